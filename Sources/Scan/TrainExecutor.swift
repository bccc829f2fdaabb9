import Cluster
import Foundation
import Learn
import Numerics
import Saliency
import Shards

/// `scan.train`: trains one decoder of the grid on a selection's columns (or on PCA's k-dimensional
/// projection), evaluates it on every clean split and every distorted condition, writes the model under
/// the run's output directory and returns a ``TrainedModelResult`` (JSON body).
public struct TrainExecutor: TaskExecutor {
    /// `scan.train`.
    public var kind: String { ScanTaskKind.train }

    /// A worker's cache of decoded shards, shared by its training tasks (nil: each task reads the shards).
    public let columnCache: ColumnCache?

    /// Bytes of frames one task may hold in memory: the worker's share per slot (nil: a quarter of RAM). A
    /// spec's `training.memory_mib` lowers it, never raises it.
    public let memoryBudget: Int?

    /// The executor.
    public init(columnCache: ColumnCache? = nil, memoryBudget: Int? = nil) {
        self.columnCache = columnCache
        self.memoryBudget = memoryBudget
    }

    /// Trains, evaluates and saves.
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        let body = try ScanCoding.decode(TrainTask.self, from: task.payload, what: "scan.train task")
        var result = try Self.train(
            body, arrays: task.payload.arrays, dataRoot: context.dataRoot, outputRoot: context.outputRoot,
            columnCache: columnCache, memoryBudget: memoryBudget)
        result.taskId = String(task.id)
        return try ScanCoding.payload(result)
    }

    /// The work of a train task (also callable without a cluster): Learn's training job on the task's
    /// columns (or PCA's projection), the model saved under the run's output directory.
    public static func train(
        _ body: TrainTask, arrays: [Data], dataRoot: DataRoot, outputRoot: OutputRoot,
        columnCache: ColumnCache? = nil, memoryBudget: Int? = nil
    ) throws -> TrainedModelResult {
        let directory = try dataRoot.resolve(body.dataset)
        // Refused before training, not after: a spec's output directory is confined to the worker's root.
        let modelURL = try outputRoot.resolve(body.outputDirectory + "/" + body.modelPath)
        var config = TrainingConfig()
        config.seed = UInt64(body.seed)
        config.maxEpochs = body.training.epochs
        config.batchSize = body.training.batchSize
        config.learningRate = body.training.learningRate
        config.earlyStoppingPatience = body.training.patience
        config.spreadWeight = body.training.varianceWeight
        config.loss = body.training.loss == .auto ? nil : LossKind(rawValue: body.training.loss.rawValue)
        config.threads = ScanDefaults.trainingThreads
        config.layerMix = body.layerMix
        var job = TrainingJob(directory: directory, datasetName: body.dataset, config: config)
        job.selection = body.projected ? nil : body.columns
        job.layers = body.layers
        job.selectionSource = "scan.train task"
        job.targetColumns = body.targetColumns
        job.conditions = Set(body.conditions)
        job.labelVariance = LabelVarianceMode(rawValue: body.labelVariance.rawValue) ?? .off
        // Frames beyond the budget go to a local file (same model, bounded memory): the worker's share per
        // slot (default a quarter of RAM), lowered by the spec's training.memory_mib.
        let share = memoryBudget ?? TrainingDefaults.memoryBudget()
        job.memoryBudget = body.training.memoryMib.map { min($0 << 20, share) } ?? share
        job.columnCache = columnCache
        job.decoder = body.decoder.kind == .tcGRU ? .tcGRU : .gruFF
        job.adjustDecoder = { Self.adjust(&$0, to: body.decoder) }
        if body.projected { job.transform = try projection(body, arrays: arrays) }
        let record: TrainingRecord
        do {
            record = try job.run()
        } catch let error as DatasetError {
            throw ScanError.invalidDataset(directory: body.dataset, problems: error.problems.map(\.description))
        } catch LearnError.emptySplit {
            throw ScanError.invalidDataset(directory: body.dataset, problems: ["needs clean train and dev utterances"])
        }
        do {
            try record.saveModel(to: modelURL)
        } catch {
            throw ScanError.io(path: modelURL.path, reason: "cannot write the model: \(error)")
        }
        var result = TrainedModelResult(
            method: body.method, rule: body.rule, k: body.k, seed: body.seed, labelVariance: body.labelVariance,
            decoder: body.decoder.kind,
            metrics: record.metrics.compactMap(ScanResults.MetricValue.init),
            params: record.params, paramsRatio: record.paramsRatio, secondsToBest: record.outcome.secondsToBest,
            secondsTotal: record.outcome.secondsTotal, bestEpoch: record.outcome.bestEpoch,
            epochsTrained: record.outcome.history.count, modelPath: body.modelPath)
        result.bytesFromDataRoot = record.bytesFromDataRoot
        result.bytesFromCache = record.bytesFromCache
        result.layerWeights = record.layerWeights
        result.learningCurve = record.outcome.history.map {
            EpochPoint(epoch: $0.epoch, trainLoss: $0.trainLoss, devMetric: $0.devMetric, learningRate: $0.learningRate)
        }
        return result
    }

    /// PCA's projection onto the task's k components, from the task's arrays (mean, components).
    static func projection(_ body: TrainTask, arrays: [Data]) throws -> TrainingJob.InputTransform {
        guard arrays.count >= 2 else {
            throw ScanError.malformedPayload(what: "scan.train task", reason: "PCA projection arrays missing")
        }
        let mean = try DoubleBytes.decode(arrays[0], what: "PCA mean")
        let components = try DoubleBytes.decode(arrays[1], what: "PCA components")
        guard mean.count > 0, components.count == body.k * mean.count else {
            throw ScanError.malformedPayload(
                what: "scan.train task", reason: "PCA projection is not \(body.k) x \(mean.count)")
        }
        let projection = PCAProjection(mean: mean, components: components, componentCount: body.k)
        return TrainingJob.InputTransform(width: body.k, weightCount: projection.weightCount) { frames, rows in
            guard frames.count == rows * mean.count else {
                throw ScanError.malformedPayload(
                    what: "scan.train task",
                    reason:
                        "PCA projection is \(body.k) x \(mean.count), the dataset's frames are not \(mean.count) wide")
            }
            return try projection.project(frames, rows: rows)
        }
    }

    /// The spec's decoder section applied to Learn's preset of the same kind.
    static func adjust(_ config: inout DecoderConfig, to decoder: ScanSpec.Decoder) {
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
    }
}

extension ScanResults.MetricValue {
    /// The scan's form of one of Learn's metric entries; nil for an undefined value or a metric or split
    /// the scan's results do not know.
    init?(_ entry: MetricEntry) {
        guard let value = entry.value, let split = ScanResults.Split(rawValue: entry.split),
            let metric = ScanResults.Metric(rawValue: entry.metric)
        else { return nil }
        self.init(
            ScanResults.MetricKey(
                split: split, condition: entry.condition, utterances: entry.utterances, target: entry.target,
                metric: metric), value)
    }
}
