import Foundation

/// `scan.fuse`: one fused system of the `[fusion]` section: the members' trained models of one seed and
/// label-variance mode, combined by one fusion method. Planned once every member's model is trained.
public struct FuseTask: ScanTaskBody, Equatable {
    /// Dataset directory relative to the data root.
    public var dataset: String
    /// The members in spec order, each with the model file that serves it (relative to the output
    /// directory; for a cell whose model another cell trained, that cell's file).
    public var members: [Member]
    /// The training seed the members share.
    public var seed: Int
    /// The label-variance mode the members share.
    public var labelVariance: ScanSpec.LabelVarianceMode
    /// How the members are combined.
    public var method: ScanSpec.Fusion.Method
    /// Target columns the members were trained on.
    public var targetColumns: [Int]
    /// The distorted conditions every model was evaluated on.
    public var conditions: [String]
    /// The run's output directory (as the spec gives it; resolved under the worker's output root).
    public var outputDirectory: String

    /// A member cell and its model file.
    public struct Member: Codable, Equatable, Sendable {
        /// The grid cell.
        public var cell: ScanSpec.Fusion.Member
        /// The model file, relative to the output directory.
        public var modelPath: String

        /// Creates a member.
        public init(cell: ScanSpec.Fusion.Member, modelPath: String) {
            self.cell = cell
            self.modelPath = modelPath
        }
    }

    /// `fuse:method:seed:mode`.
    public var key: String { Self.key(method: method, seed: seed, labelVariance: labelVariance) }

    /// The key of the fuse task of one fusion method, seed and mode.
    public static func key(
        method: ScanSpec.Fusion.Method, seed: Int, labelVariance: ScanSpec.LabelVarianceMode
    ) -> String {
        "fuse:\(method.rawValue):\(seed):\(labelVariance.rawValue)"
    }

    /// Creates a value from its members.
    public init(
        dataset: String, members: [Member], seed: Int, labelVariance: ScanSpec.LabelVarianceMode,
        method: ScanSpec.Fusion.Method, targetColumns: [Int], conditions: [String], outputDirectory: String
    ) {
        self.dataset = dataset
        self.members = members
        self.seed = seed
        self.labelVariance = labelVariance
        self.method = method
        self.targetColumns = targetColumns
        self.conditions = conditions
        self.outputDirectory = outputDirectory
    }
}

/// One fused system of a scan (`results.json`'s optional `fusions`): which members, which method, seed and
/// mode, the weights fitted on dev, and every metric, keyed as a trained model's are so the report compares
/// them with the members' own entries in `models`. Kept apart from `models` so that readers of version 1
/// that expect a selection method and k in every model never meet one.
public struct FusedSystemResult: Codable, Equatable, Sendable {
    /// The fuse task's id in the ledger, if it ran on the cluster.
    public var taskId: String?
    /// The fusion method.
    public var method: ScanSpec.Fusion.Method
    /// The member cells, in order.
    public var members: [ScanSpec.Fusion.Member]
    /// The seed the members share.
    public var seed: Int
    /// The label-variance mode the members share.
    public var labelVariance: ScanSpec.LabelVarianceMode
    /// The fitted combination per target.
    public var weights: [Weights]
    /// Every metric of the fused predictions per split, condition, utterance set and target.
    public var metrics: [ScanResults.MetricValue]
    /// Wall time of the fusion (loading, predicting, fitting, scoring), seconds.
    public var seconds: Double

    /// One target's fitted combination.
    public struct Weights: Codable, Equatable, Sendable {
        /// The target.
        public var target: String
        /// One weight per member.
        public var weights: [Double]
        /// The intercept (learned only; 0 for the means).
        public var bias: Double
        /// Each member's clean dev metric (CCC, or AUC for binary), what dev-weighted weighs by.
        public var memberDevMetric: [Double]

        /// Creates weights.
        public init(target: String, weights: [Double], bias: Double, memberDevMetric: [Double]) {
            self.target = target
            self.weights = weights
            self.bias = bias
            self.memberDevMetric = memberDevMetric
        }
    }

    /// Creates a result.
    public init(
        taskId: String? = nil, method: ScanSpec.Fusion.Method, members: [ScanSpec.Fusion.Member], seed: Int,
        labelVariance: ScanSpec.LabelVarianceMode, weights: [Weights], metrics: [ScanResults.MetricValue],
        seconds: Double
    ) {
        self.taskId = taskId
        self.method = method
        self.members = members
        self.seed = seed
        self.labelVariance = labelVariance
        self.weights = weights
        self.metrics = metrics
        self.seconds = seconds
    }

    /// The value for `key`, if present.
    public subscript(key: ScanResults.MetricKey) -> Double? {
        metrics.first { $0.key == key }?.value
    }
}
