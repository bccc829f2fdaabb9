import Foundation
import Numerics
import Shards

/// One number of a model's evaluation, in the flat form the scan results use: split, condition (the
/// embeddings fed), utterances (nil: the whole split; a distorted condition's name: the clean utterances
/// matching that condition's ids), target (nil: the mean over targets), metric, value (nil when undefined).
public struct MetricEntry: Codable, Equatable, Sendable {
    /// `train`, `dev` or `test`.
    public var split: String
    /// `clean` or a distorted condition's name.
    public var condition: String
    /// The utterance set, when not the whole split.
    public var utterances: String?
    /// The target; nil for the mean over targets.
    public var target: String?
    /// `ccc`, `pearson`, `mse` or `auc`.
    public var metric: String
    /// The value; nil when undefined (e.g. a constant prediction).
    public var value: Double?
}

extension MetricEntry {
    /// Every metric of `model` on every clean split, every distorted condition and the clean utterances
    /// matching each condition, in that order (metrics and targets sorted by name); undefined values nil.
    public static func evaluate(
        _ model: TrainedModel, clean: [Split: UtteranceSet], distorted: [String: [Split: UtteranceSet]]
    ) -> [MetricEntry] {
        evaluate(
            targets: model.targets, task: model.task, outputs: model.outputCount, clean: clean, distorted: distorted
        ) { set, _, _ in model.predict(set) }
    }

    /// Every metric of any predictor (a model, a fusion of models) on the same sets as above, so that every
    /// system is evaluated alike. `predict` gets a set, its split and the condition of the embeddings it holds,
    /// and returns `[set.count, outputs]` with the T means first.
    public static func evaluate(
        targets: [String], task: TaskKind, outputs: Int, clean: [Split: UtteranceSet],
        distorted: [String: [Split: UtteranceSet]],
        predict: (_ set: UtteranceSet, _ split: Split, _ condition: String) throws -> [Float]
    ) rethrows -> [MetricEntry] {
        var entries = [MetricEntry]()
        func add(_ set: UtteranceSet, split: Split, condition: String, utterances: String?) throws {
            guard set.count > 0 else { return }
            let evaluation = Evaluation(
                predictions: try predict(set, split, condition), outputs: outputs, set: set, targets: targets,
                task: task)
            for (metric, values) in evaluation.metrics.sorted(by: { $0.key < $1.key }) {
                for (target, value) in values.sorted(by: { $0.key < $1.key }) {
                    entries.append(
                        MetricEntry(
                            split: split.description, condition: condition, utterances: utterances,
                            target: target == "mean" ? nil : target, metric: metric,
                            value: value.isFinite ? value : nil))
                }
            }
        }
        for split in Split.allCases {
            if let set = clean[split] {
                try add(set, split: split, condition: ShardFormat.cleanCondition, utterances: nil)
            }
        }
        for (condition, splits) in distorted.sorted(by: { $0.key < $1.key }) {
            for split in Split.allCases {
                guard let set = splits[split] else { continue }
                try add(set, split: split, condition: condition, utterances: nil)
                if let cleanSet = clean[split] {
                    try add(
                        cleanSet.restricted(to: Set(set.ids)), split: split, condition: ShardFormat.cleanCondition,
                        utterances: condition)
                }
            }
        }
        return entries
    }
}

/// What `salience train --metrics` writes: the run's settings, size and timing, and every metric.
public struct MetricsReport: Codable, Sendable {
    /// `tc-gru` or `gru-ff`.
    public var decoder: String
    /// `std-aux` or `off`.
    public var labelVariance: String
    /// The training seed.
    public var seed: UInt64
    /// The number of selected input columns.
    public var selectionSize: Int
    /// The dataset's D.
    public var datasetWidth: Int
    /// Trainable parameters.
    public var params: Int
    /// `params` over the same decoder's on all D columns.
    public var paramsRatio: Double
    /// Wall time to the end of the best epoch, seconds.
    public var secondsToBest: Double
    /// Wall time of the whole run, seconds.
    public var secondsTotal: Double
    /// The best epoch (1-based; 0 if none finished).
    public var bestEpoch: Int
    /// Epochs trained.
    public var epochsTrained: Int
    /// `max-epochs`, `early-stopping` or `diverged`.
    public var stopReason: String
    /// Why it diverged, when it did.
    public var message: String?
    /// Every metric for every split and condition, per target and averaged.
    public var metrics: [MetricEntry]
    /// The per-epoch progress.
    public var history: [EpochReport]
    /// The training process's peak resident memory, bytes (getrusage), when the command measured it.
    public var peakResidentBytes: Int?
    /// With a layer mix, the learned share of each layer (softmax of its weights, layer order), written as
    /// `layer_weights`; nil, and no key at all, without a mix.
    public var layerWeights: [Double]?

    /// Creates a report.
    public init(
        decoder: String, labelVariance: String, seed: UInt64, selectionSize: Int, datasetWidth: Int, params: Int,
        paramsRatio: Double, secondsToBest: Double, secondsTotal: Double, bestEpoch: Int, epochsTrained: Int,
        stopReason: String, message: String?, metrics: [MetricEntry], history: [EpochReport],
        layerWeights: [Double]? = nil
    ) {
        self.decoder = decoder
        self.labelVariance = labelVariance
        self.seed = seed
        self.selectionSize = selectionSize
        self.datasetWidth = datasetWidth
        self.params = params
        self.paramsRatio = paramsRatio
        self.secondsToBest = secondsToBest
        self.secondsTotal = secondsTotal
        self.bestEpoch = bestEpoch
        self.epochsTrained = epochsTrained
        self.stopReason = stopReason
        self.message = message
        self.metrics = metrics
        self.history = history
        self.layerWeights = layerWeights
    }

    /// The report of one training job.
    public init(_ record: TrainingRecord) {
        self.init(
            decoder: record.decoder.kind.rawValue, labelVariance: record.config.labelVariance.rawValue,
            seed: record.config.seed, selectionSize: record.selectionSize, datasetWidth: record.datasetWidth,
            params: record.params, paramsRatio: record.paramsRatio, secondsToBest: record.outcome.secondsToBest,
            secondsTotal: record.outcome.secondsTotal, bestEpoch: record.outcome.bestEpoch,
            epochsTrained: record.outcome.history.count, stopReason: record.outcome.stopReason.rawValue,
            message: record.outcome.message, metrics: record.metrics, history: record.outcome.history,
            layerWeights: record.layerWeights)
    }

    /// The report as JSON with snake_case keys (`params_ratio`, `seconds_to_best`, ...).
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = NonFiniteJSON.encoding
        return try encoder.encode(self)
    }
}
