import Foundation

/// `scan.catalog`: the spec to check and the dataset it names.
public struct CatalogTask: ScanTaskBody, Equatable {
    /// The spec as submitted (output directory made absolute by the submitter).
    public var spec: ScanSpec
    /// When the scan was submitted.
    public var submittedAt: Date
    /// Always `catalog`.
    public var key: String { "catalog" }

    /// A catalog task for `spec`.
    public init(spec: ScanSpec, submittedAt: Date) {
        self.spec = spec
        self.submittedAt = submittedAt
    }
}

/// One clean shard as the catalog task saw it.
public struct ScanShard: Codable, Equatable, Sendable {
    /// The file name inside the dataset directory.
    public var file: String
    /// Utterances in the file (all splits).
    public var utterances: Int
    /// Train utterances in the file.
    public var trainUtterances: Int

    /// Creates a value from its members.
    public init(file: String, utterances: Int, trainUtterances: Int) {
        self.file = file
        self.utterances = utterances
        self.trainUtterances = trainUtterances
    }
}

/// The catalog task's result: the spec (echoed, so the ledger alone rebuilds a run) and the dataset facts.
public struct CatalogResult: Codable, Equatable, Sendable {
    /// The spec the run was submitted with.
    public var spec: ScanSpec
    /// When the scan was submitted.
    public var submittedAt: Date
    /// The dataset summary for the results (targets and conditions resolved by the spec).
    public var dataset: ScanResults.DatasetSummary
    /// Column indices of the chosen targets among the shards' targets.
    public var targetColumns: [Int]
    /// Whether the task is binary.
    public var binary: Bool
    /// Whether the shards carry rater spread (for `std-aux`).
    public var hasRaterSpread: Bool
    /// The clean shards, in catalog order.
    public var cleanShards: [ScanShard]
    /// The label-variance modes the grid trains.
    public var labelVariance: [ScanSpec.LabelVarianceMode]

    /// Creates a value from its members.
    public init(
        spec: ScanSpec, submittedAt: Date, dataset: ScanResults.DatasetSummary, targetColumns: [Int], binary: Bool,
        hasRaterSpread: Bool, cleanShards: [ScanShard], labelVariance: [ScanSpec.LabelVarianceMode]
    ) {
        self.spec = spec
        self.submittedAt = submittedAt
        self.dataset = dataset
        self.targetColumns = targetColumns
        self.binary = binary
        self.hasRaterSpread = hasRaterSpread
        self.cleanShards = cleanShards
        self.labelVariance = labelVariance
    }
}

/// `scan.statistics`: which partials to compute over one shard's utterance range (train split only).
public struct StatisticsTask: ScanTaskBody, Equatable {
    /// Dataset directory relative to the data root.
    public var dataset: String
    /// The layers of a layered dataset the task reads, side by side (nil: every layer; absent from
    /// payloads then, so tasks of earlier builds decode unchanged).
    public var layers: [Int]? = nil
    /// The shard file.
    public var shard: String
    /// First utterance (inclusive) in the file.
    public var start: Int
    /// Last utterance (exclusive).
    public var end: Int
    /// Utterance or frame pooling.
    public var pooling: ScanSpec.Pooling
    /// Target columns to pair with.
    public var targetColumns: [Int]
    /// Compute `MomentsPartial` (CCS).
    public var moments: Bool
    /// Compute `CovariancePartial` (PCA).
    public var covariance: Bool
    /// Compute `RangePartial` (first pass of `mis-hist`).
    public var range: Bool
    /// Compute `JointHistogramPartial` on the edges cut from the merged range (sent as the first array).
    public var histogramBins: Int?
    /// Whether targets are binary (2 bins on their axis).
    public var binaryTargets: Bool
    /// Poisson-bootstrap replicates of the moments (absent without `[confidence]`).
    public var replicates: Int? = nil
    /// The seed of their weights.
    public var bootstrapSeed: UInt64? = nil
    /// Also return the piece's pooled train rows (an `Observations` array named `pooled-rows`), from which
    /// the KSG tasks estimate MI without reading the frames again (absent: no; and in tasks of earlier
    /// builds).
    public var pooledRows: Bool? = nil

    /// `stats-a` or `stats-b` (histograms), then shard and range.
    public var key: String { "\(histogramBins == nil ? "stats-a" : "stats-b"):\(shard):\(start)..<\(end)" }

    /// Creates a value from its members.
    public init(
        dataset: String, shard: String, start: Int, end: Int, pooling: ScanSpec.Pooling, targetColumns: [Int],
        moments: Bool, covariance: Bool, range: Bool, histogramBins: Int?, binaryTargets: Bool
    ) {
        self.dataset = dataset
        self.shard = shard
        self.start = start
        self.end = end
        self.pooling = pooling
        self.targetColumns = targetColumns
        self.moments = moments
        self.covariance = covariance
        self.range = range
        self.histogramBins = histogramBins
        self.binaryTargets = binaryTargets
    }
}

/// `scan.ksg`: KSG mutual information over a block of dimensions.
public struct KSGTask: ScanTaskBody, Equatable {
    /// Dataset directory relative to the data root.
    public var dataset: String
    /// The layers of a layered dataset the task reads, side by side (nil: every layer; absent from
    /// payloads then, so tasks of earlier builds decode unchanged).
    public var layers: [Int]? = nil
    /// First dimension (inclusive).
    public var start: Int
    /// Last dimension (exclusive).
    public var end: Int
    /// Utterance or frame pooling.
    public var pooling: ScanSpec.Pooling
    /// Target columns.
    public var targetColumns: [Int]
    /// k.
    public var neighbours: Int
    /// Seed of the tie-breaking noise (the same as `salience scores`' default).
    public var noiseSeed: UInt64
    /// Subsample replicates of the block's MI (absent without `[confidence]` or with `mis = false`, and in
    /// tasks of earlier builds).
    public var replicates: Int? = nil
    /// The seed of their weights.
    public var bootstrapSeed: UInt64? = nil
    /// Whether the task's arrays carry the block's pooled train rows (one `Observations`, in catalog
    /// order), gathered from the statistics tasks: then it reads no frames (absent: it reads them).
    public var carriesRows: Bool? = nil

    /// `ksg:start..<end`.
    public var key: String { "ksg:\(start)..<\(end)" }

    /// Creates a value from its members.
    public init(
        dataset: String, start: Int, end: Int, pooling: ScanSpec.Pooling, targetColumns: [Int], neighbours: Int,
        noiseSeed: UInt64
    ) {
        self.dataset = dataset
        self.start = start
        self.end = end
        self.pooling = pooling
        self.targetColumns = targetColumns
        self.neighbours = neighbours
        self.noiseSeed = noiseSeed
    }
}

/// `scan.train`: one decoder of the grid.
public struct TrainTask: ScanTaskBody, Equatable {
    /// Dataset directory relative to the data root.
    public var dataset: String
    /// The layers of a layered dataset the task reads, side by side (nil: every layer; absent from
    /// payloads then, so tasks of earlier builds decode unchanged).
    public var layers: [Int]? = nil
    /// The method whose selection this is.
    public var method: ScanSpec.Method
    /// The rule that set the size.
    public var rule: ScanResults.SelectionRule
    /// The selected columns (ascending); for PCA, every column (the projection is in the arrays).
    public var columns: [Int]
    /// k: the input width of the decoder.
    public var k: Int
    /// The training seed.
    public var seed: Int
    /// Label-variance mode.
    public var labelVariance: ScanSpec.LabelVarianceMode
    /// Target columns.
    public var targetColumns: [Int]
    /// The distorted conditions to evaluate on.
    public var conditions: [String]
    /// The decoder.
    public var decoder: ScanSpec.Decoder
    /// Optimiser settings.
    public var training: ScanSpec.Training
    /// The run's output directory (absolute); the model is written under it.
    public var outputDirectory: String
    /// Whether this model is also the baseline whose IG the `ig` method scores.
    public var isIGBaseline: Bool
    /// PCA: the projection's centre (length D) and `k × D` weights follow as arrays 0 and 1.
    public var projected: Bool
    /// L, for the learned weighted sum of L equal-width layers in front of the decoder (the `mix` rule);
    /// nil otherwise, and absent from payloads then.
    public var layerMix: Int? = nil

    /// `train:method:rule:seed:mode`.
    public var key: String {
        Self.key(method: method, rule: rule, seed: seed, labelVariance: labelVariance)
    }

    /// The key of the train task of one grid cell and seed.
    public static func key(
        method: ScanSpec.Method, rule: ScanResults.SelectionRule, seed: Int, labelVariance: ScanSpec.LabelVarianceMode
    ) -> String {
        "train:\(method.rawValue):\(rule):\(seed):\(labelVariance.rawValue)"
    }

    /// The model file, relative to the output directory.
    public var modelPath: String {
        let rulePart = rule.description.replacingOccurrences(of: ":", with: "-").replacingOccurrences(
            of: "*", with: "x"
        ).replacingOccurrences(of: "/", with: "_")
        return "models/\(method.rawValue)-\(rulePart)-seed\(seed)-\(labelVariance.rawValue).h5"
    }

    /// Creates a value from its members.
    public init(
        dataset: String, method: ScanSpec.Method, rule: ScanResults.SelectionRule, columns: [Int], k: Int, seed: Int,
        labelVariance: ScanSpec.LabelVarianceMode, targetColumns: [Int], conditions: [String],
        decoder: ScanSpec.Decoder, training: ScanSpec.Training, outputDirectory: String, isIGBaseline: Bool,
        projected: Bool
    ) {
        self.dataset = dataset
        self.method = method
        self.rule = rule
        self.columns = columns
        self.k = k
        self.seed = seed
        self.labelVariance = labelVariance
        self.targetColumns = targetColumns
        self.conditions = conditions
        self.decoder = decoder
        self.training = training
        self.outputDirectory = outputDirectory
        self.isIGBaseline = isIGBaseline
        self.projected = projected
    }
}

/// `scan.ig`: attribution statistics of the baseline decoder over one shard's utterance range (train split).
public struct IGTask: ScanTaskBody, Equatable {
    /// Dataset directory relative to the data root.
    public var dataset: String
    /// The layers of a layered dataset the task reads, side by side (nil: every layer; absent from
    /// payloads then, so tasks of earlier builds decode unchanged).
    public var layers: [Int]? = nil
    /// The shard file.
    public var shard: String
    /// First utterance (inclusive).
    public var start: Int
    /// Last utterance (exclusive).
    public var end: Int
    /// The baseline model file (absolute).
    public var modelPath: String
    /// Integration steps.
    public var steps: Int
    /// The rule.
    public var method: ScanSpec.IGMethod
    /// The outputs attributed (the target means).
    public var outputs: [Int]
    /// Poisson-bootstrap replicates of the IG score (absent without `[confidence]`, and in tasks of earlier
    /// builds).
    public var replicates: Int? = nil
    /// The seed of their weights.
    public var bootstrapSeed: UInt64? = nil

    /// `ig:shard:start..<end`.
    public var key: String { "ig:\(shard):\(start)..<\(end)" }

    /// Creates a value from its members.
    public init(
        dataset: String, shard: String, start: Int, end: Int, modelPath: String, steps: Int, method: ScanSpec.IGMethod,
        outputs: [Int]
    ) {
        self.dataset = dataset
        self.shard = shard
        self.start = start
        self.end = end
        self.modelPath = modelPath
        self.steps = steps
        self.method = method
        self.outputs = outputs
    }
}

/// `scan.report`: the results to write, and where.
public struct ReportTask: ScanTaskBody {
    /// Everything assembled (status `succeeded`).
    public var results: ScanResults
    /// The output directory (absolute).
    public var outputDirectory: String
    /// Always `report`.
    public var key: String { "report" }

    /// Creates a value from its members.
    public init(results: ScanResults, outputDirectory: String) {
        self.results = results
        self.outputDirectory = outputDirectory
    }
}
