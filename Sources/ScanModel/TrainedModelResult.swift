extension ScanResults {
    /// A quality measure of a model's predictions (methods.md, "Metrics").
    public enum Metric: String, Codable, CaseIterable, Sendable, Comparable {
        /// Concordance correlation coefficient.
        case ccc
        /// Pearson correlation.
        case pearson
        /// Mean squared error.
        case mse
        /// Area under the ROC curve (binary targets).
        case auc

        /// Whether a larger value is better (all but MSE).
        public var higherIsBetter: Bool { self != .mse }
        /// The name in tables and axis labels.
        public var label: String {
            switch self {
            case .ccc: return "CCC"
            case .pearson: return "Pearson r"
            case .mse: return "MSE"
            case .auc: return "ROC AUC"
            }
        }

        /// Declaration order.
        public static func < (lhs: Metric, rhs: Metric) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// A data split.
    public enum Split: String, Codable, CaseIterable, Sendable, Comparable {
        /// Train: scores come from here only.
        case train
        /// Dev: chooses epochs and best seeds.
        case dev
        /// Test: reported.
        case test

        /// Declaration order.
        public static func < (lhs: Split, rhs: Split) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// Which number a metric value is: split, condition, utterance set, target and metric.
    public struct MetricKey: Codable, Hashable, Sendable, Comparable, CustomStringConvertible {
        /// The split evaluated.
        public var split: Split
        /// The condition whose embeddings were fed (`clean`, or a distorted condition's name).
        public var condition: String
        /// The utterances evaluated: nil for the whole split in that condition, or the name of a distorted
        /// condition whose utterances (a subset of the split) were used, so clean and distorted compare on
        /// the same set.
        public var utterances: String?
        /// The target; nil for the average over targets.
        public var target: String?
        /// The metric.
        public var metric: Metric

        /// Creates a key.
        public init(
            split: Split, condition: String = "clean", utterances: String? = nil, target: String? = nil,
            metric: Metric
        ) {
            self.split = split
            self.condition = condition
            self.utterances = utterances
            self.target = target
            self.metric = metric
        }

        /// The CSV column name: `split.condition[utterances].target.metric`, `mean` for the average target.
        public var description: String {
            let set = utterances.map { "[\($0)]" } ?? ""
            return "\(split.rawValue).\(condition)\(set).\(target ?? "mean").\(metric.rawValue)"
        }

        /// Split, then clean before distorted conditions, then utterance set, target (average first), metric.
        public static func < (lhs: MetricKey, rhs: MetricKey) -> Bool {
            func rank(_ key: MetricKey) -> (Int, Int, String, Int, String, Int) {
                (
                    Split.allCases.firstIndex(of: key.split)!, key.condition == "clean" ? 0 : 1,
                    key.condition + "\u{0}" + (key.utterances ?? ""), key.target == nil ? 0 : 1, key.target ?? "",
                    Metric.allCases.firstIndex(of: key.metric)!
                )
            }
            return rank(lhs) < rank(rhs)
        }
    }

    /// One metric value of one model.
    public struct MetricValue: Codable, Equatable, Sendable {
        /// Which number this is.
        public var key: MetricKey
        /// The number.
        public var value: Double

        /// Creates a metric value.
        public init(_ key: MetricKey, _ value: Double) {
            self.key = key
            self.value = value
        }

        private enum CodingKeys: String, CodingKey { case split, condition, utterances, target, metric, value }

        /// Decodes the flat form `{split, condition, utterances?, target?, metric, value}`.
        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            key = MetricKey(
                split: try container.decode(Split.self, forKey: .split),
                condition: try container.decode(String.self, forKey: .condition),
                utterances: try container.decodeIfPresent(String.self, forKey: .utterances),
                target: try container.decodeIfPresent(String.self, forKey: .target),
                metric: try container.decode(Metric.self, forKey: .metric))
            value = try container.decode(Double.self, forKey: .value)
        }

        /// Encodes the flat form.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key.split, forKey: .split)
            try container.encode(key.condition, forKey: .condition)
            try container.encodeIfPresent(key.utterances, forKey: .utterances)
            try container.encodeIfPresent(key.target, forKey: .target)
            try container.encode(key.metric, forKey: .metric)
            try container.encode(value, forKey: .value)
        }
    }
}

/// One trained model of the grid: which cell of the grid it is, how it scored, how big and how fast it was.
public struct TrainedModelResult: Codable, Equatable, Sendable {
    /// The grid task's id in the ledger, if it ran on the cluster.
    public var taskId: String?
    /// The method whose selection it was trained on.
    public var method: ScanSpec.Method
    /// The rule that set the selection's size.
    public var rule: ScanResults.SelectionRule
    /// The number of input dimensions (PCA: components).
    public var k: Int
    /// The training seed.
    public var seed: Int
    /// The label-variance mode.
    public var labelVariance: ScanSpec.LabelVarianceMode
    /// The decoder architecture.
    public var decoder: ScanSpec.DecoderKind
    /// Every metric per split, condition, utterance set and target, and averaged over targets.
    public var metrics: [ScanResults.MetricValue]
    /// Trainable parameters of the decoder (PCA adds its D·k projection).
    public var params: Int
    /// `params` over the same decoder's on all D dimensions.
    public var paramsRatio: Double
    /// Wall time to the best epoch, seconds.
    public var secondsToBest: Double
    /// Wall time of the whole training, seconds.
    public var secondsTotal: Double
    /// The epoch (1-based) with the best dev metric, whose weights were kept.
    public var bestEpoch: Int
    /// Epochs trained before stopping.
    public var epochsTrained: Int
    /// Where the checkpoint was written, relative to the run's output directory.
    public var modelPath: String?
    /// Decoded frame bytes the task read from the data root (the shards) and from its worker's column cache.
    public var bytesFromDataRoot: Int?
    public var bytesFromCache: Int?
    /// Whether the best dev metric came at the last epoch trained: early stopping never saw it get worse, so
    /// the model may not have converged (more epochs could help). Written for every model so a reader of
    /// `results.json` need not know the rule; nil only in files written before it existed (then
    /// ``reachedBestAtLastEpoch`` computes it from `bestEpoch` and `epochsTrained`).
    public var bestEpochIsLast: Bool?
    /// The training run epoch by epoch (train loss and dev metric), as the training job recorded it; nil in
    /// files written before it existed.
    public var learningCurve: [EpochPoint]?
    /// When this cell's model is another cell's (the same columns, seed and mode: ratio 1.0 of a method is the
    /// full-width model), the grid cell that trained it (`method:rule`); the metrics, times and file are that
    /// model's, counted once in totals. Nil for a model trained for this cell.
    public var sameModelAs: String?
    /// With a layer-mix decoder, the learned share of each layer (softmax of the mix weights, layer order);
    /// nil, and no key in `results.json`, for every other model.
    public var layerWeights: [Double]?

    /// Whether this cell reuses another cell's model (``sameModelAs``).
    public var isShared: Bool { sameModelAs != nil }

    /// Creates a model result.
    public init(
        taskId: String? = nil, method: ScanSpec.Method, rule: ScanResults.SelectionRule, k: Int, seed: Int,
        labelVariance: ScanSpec.LabelVarianceMode, decoder: ScanSpec.DecoderKind, metrics: [ScanResults.MetricValue],
        params: Int, paramsRatio: Double, secondsToBest: Double, secondsTotal: Double, bestEpoch: Int,
        epochsTrained: Int, modelPath: String? = nil
    ) {
        self.taskId = taskId
        self.method = method
        self.rule = rule
        self.k = k
        self.seed = seed
        self.labelVariance = labelVariance
        self.decoder = decoder
        self.metrics = metrics
        self.params = params
        self.paramsRatio = paramsRatio
        self.secondsToBest = secondsToBest
        self.secondsTotal = secondsTotal
        self.bestEpoch = bestEpoch
        self.epochsTrained = epochsTrained
        self.modelPath = modelPath
        self.bestEpochIsLast = Self.isLast(bestEpoch: bestEpoch, of: epochsTrained)
    }

    /// The flag ``bestEpochIsLast``, also for files that predate it.
    public var reachedBestAtLastEpoch: Bool {
        bestEpochIsLast ?? Self.isLast(bestEpoch: bestEpoch, of: epochsTrained)
    }

    /// A model that trained at least one epoch and kept the weights of its last one.
    static func isLast(bestEpoch: Int, of epochsTrained: Int) -> Bool {
        epochsTrained > 0 && bestEpoch >= epochsTrained
    }

    /// The value for `key`, if the model has it.
    public subscript(key: ScanResults.MetricKey) -> Double? {
        metrics.first { $0.key == key }?.value
    }

    /// The grid cell the model belongs to (seeds aside).
    public var cell: ScanResults.GridCell {
        ScanResults.GridCell(method: method, rule: rule, labelVariance: labelVariance)
    }
}
