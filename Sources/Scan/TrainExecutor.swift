import Cluster
import Foundation
import Learn
import Saliency
import Shards

/// `scan.train`: trains one decoder of the grid on a selection's columns (or on PCA's k-dimensional
/// projection), evaluates it on every clean split and every distorted condition, writes the model under
/// the run's output directory and returns a ``TrainedModelResult`` (JSON body).
public struct TrainExecutor: TaskExecutor {
    /// `scan.train`.
    public var kind: String { ScanTaskKind.train }

    /// The executor.
    public init() {}

    /// Trains, evaluates and saves.
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        let body = try ScanCoding.decode(TrainTask.self, from: task.payload, what: "scan.train task")
        var result = try Self.train(
            body, arrays: task.payload.arrays, dataRoot: context.dataRoot, outputRoot: context.outputRoot)
        result.taskId = String(task.id)
        return try ScanCoding.payload(result)
    }

    /// The work of a train task (also callable without a cluster).
    public static func train(
        _ body: TrainTask, arrays: [Data], dataRoot: DataRoot, outputRoot: OutputRoot
    ) throws -> TrainedModelResult {
        let directory = try dataRoot.resolve(body.dataset)
        // Refused before training, not after: a spec's output directory is confined to the worker's root.
        let modelURL = try outputRoot.resolve(body.outputDirectory + "/" + body.modelPath)
        let data: TrainingData
        do {
            data = try TrainingData(directory: directory, selection: body.projected ? nil : body.columns)
        } catch let error as DatasetError {
            throw ScanError.invalidDataset(directory: body.dataset, problems: error.problems.map(\.description))
        }
        let width = data.catalog.dimension
        var transform: (UtteranceSet) throws -> UtteranceSet = { $0 }
        var projectionWeights = 0
        if body.projected {
            guard arrays.count >= 2 else {
                throw ScanError.malformedPayload(what: "scan.train task", reason: "PCA projection arrays missing")
            }
            let mean = try DoubleBytes.decode(arrays[0], what: "PCA mean")
            let components = try DoubleBytes.decode(arrays[1], what: "PCA components")
            guard mean.count == width, components.count == body.k * width else {
                throw ScanError.malformedPayload(
                    what: "scan.train task", reason: "PCA projection is not \(body.k) x \(width)")
            }
            let projection = PCAProjection(mean: mean, components: components, componentCount: body.k)
            projectionWeights = projection.weightCount
            transform = { set in
                var out = set
                out.frames = try projection.project(set.frames, rows: set.frames.count / max(1, set.width))
                out.width = body.k
                return out
            }
        }
        let columns = body.targetColumns
        func prepare(_ set: UtteranceSet) throws -> UtteranceSet {
            try transform(set.restrictedTargets(columns))
        }
        var clean = [Split: UtteranceSet]()
        for (split, set) in data.clean { clean[split] = try prepare(set) }
        var distorted = [String: [Split: UtteranceSet]]()
        for (condition, splits) in data.distorted where body.conditions.contains(condition) {
            for (split, set) in splits { distorted[condition, default: [:]][split] = try prepare(set) }
        }
        guard let train = clean[.train], let dev = clean[.dev] else {
            throw ScanError.invalidDataset(directory: body.dataset, problems: ["needs clean train and dev utterances"])
        }
        let targets = columns.map { data.catalog.targets[$0] }
        let mode = LabelVarianceMode(rawValue: body.labelVariance.rawValue) ?? .off
        let decoderConfig = Self.decoderConfig(
            body.decoder, inputWidth: body.k, outputs: mode.outputCount(targets: targets.count))
        var config = TrainingConfig()
        config.seed = UInt64(body.seed)
        config.maxEpochs = body.training.epochs
        config.batchSize = body.training.batchSize
        config.learningRate = body.training.learningRate
        config.earlyStoppingPatience = body.training.patience
        config.labelVariance = mode
        config.spreadWeight = body.training.varianceWeight
        config.loss = body.training.loss == .auto ? nil : LossKind(rawValue: body.training.loss.rawValue)
        config.threads = ScanDefaults.trainingThreads
        let outcome = try Trainer(config: config, decoderConfig: decoderConfig).train(
            train: train, dev: dev, task: data.catalog.task, targets: targets,
            selection: body.projected ? Array(0..<body.k) : data.selection, datasetWidth: width,
            datasetName: body.dataset)
        do {
            try FileManager.default.createDirectory(
                at: modelURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Checkpoint.save(outcome.model, to: modelURL, training: config)
        } catch {
            throw ScanError.io(path: modelURL.path, reason: "cannot write the model: \(error)")
        }
        let params = decoderConfig.parameterCount + projectionWeights
        let fullParams = decoderConfig.withInputWidth(width).parameterCount
        return TrainedModelResult(
            method: body.method, rule: body.rule, k: body.k, seed: body.seed, labelVariance: body.labelVariance,
            decoder: body.decoder.kind,
            metrics: Self.evaluate(outcome.model, clean: clean, distorted: distorted),
            params: params, paramsRatio: Double(params) / Double(max(1, fullParams)),
            secondsToBest: outcome.secondsToBest, secondsTotal: outcome.secondsTotal, bestEpoch: outcome.bestEpoch,
            epochsTrained: outcome.history.count, modelPath: body.modelPath)
    }

    /// Learn's decoder configuration for the spec's decoder section.
    static func decoderConfig(_ decoder: ScanSpec.Decoder, inputWidth: Int, outputs: Int) -> DecoderConfig {
        var config = DecoderConfig.preset(
            decoder.kind == .tcGRU ? .tcGRU : .gruFF, inputWidth: inputWidth, outputCount: outputs)
        if decoder.kind == .tcGRU {
            config.frontWidth = decoder.convChannels
            config.convKernel = decoder.kernel
            config.frontDropout = decoder.dropout
        } else {
            config.headDropout = decoder.dropout
        }
        config.gruHidden = decoder.gruUnits
        config.gruLayers = decoder.gruLayers
        config.headHidden = decoder.ffUnits
        return config
    }

    /// Every metric on every clean split, every distorted condition and the clean utterances matching it
    /// (as Learn's `MetricsReport.evaluate`, on already prepared sets).
    static func evaluate(
        _ model: TrainedModel, clean: [Split: UtteranceSet], distorted: [String: [Split: UtteranceSet]]
    ) -> [ScanResults.MetricValue] {
        var values = [ScanResults.MetricValue]()
        func add(_ set: UtteranceSet, split: Split, condition: String, utterances: String?) {
            guard set.count > 0, let resultSplit = ScanResults.Split(rawValue: split.description) else { return }
            let evaluation = Evaluation(
                predictions: model.predict(set), outputs: model.outputCount, set: set, targets: model.targets,
                task: model.task)
            for (name, perTarget) in evaluation.metrics.sorted(by: { $0.key < $1.key }) {
                guard let metric = ScanResults.Metric(rawValue: name) else { continue }
                for (target, value) in perTarget.sorted(by: { $0.key < $1.key }) where value.isFinite {
                    values.append(
                        ScanResults.MetricValue(
                            ScanResults.MetricKey(
                                split: resultSplit, condition: condition, utterances: utterances,
                                target: target == "mean" ? nil : target, metric: metric), value))
                }
            }
        }
        for split in Split.allCases {
            if let set = clean[split] { add(set, split: split, condition: ShardFormat.cleanCondition, utterances: nil) }
        }
        for (condition, splits) in distorted.sorted(by: { $0.key < $1.key }) {
            for split in Split.allCases {
                guard let set = splits[split] else { continue }
                add(set, split: split, condition: condition, utterances: nil)
                if let cleanSet = clean[split] {
                    add(
                        cleanSet.restricted(to: Set(set.ids)), split: split, condition: ShardFormat.cleanCondition,
                        utterances: condition)
                }
            }
        }
        return values
    }
}

extension UtteranceSet {
    /// The same utterances with only the target columns `columns` (labels and spreads).
    func restrictedTargets(_ columns: [Int]) -> UtteranceSet {
        if columns == Array(0..<targetCount) { return self }
        func pick(_ values: [Float]) -> [Float] {
            var out = [Float]()
            out.reserveCapacity(count * columns.count)
            for row in 0..<count { for column in columns { out.append(values[row * targetCount + column]) } }
            return out
        }
        return UtteranceSet(
            width: width, frames: frames, offsets: offsets, labels: pick(labels), spreads: spreads.map(pick), ids: ids,
            targetCount: columns.count)
    }
}
