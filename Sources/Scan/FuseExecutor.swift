import Cluster
import Foundation
import Learn
import Shards

/// `scan.fuse`: one fused system of the `[fusion]` section. Resolves each member's model under the run's
/// output directory, runs Learn's ``ModelFusionJob`` (each model predicts the dataset as `salience predict`
/// does, and the predictions are fused as `salience fuse` fuses them) and returns a ``FusedSystemResult``.
public struct FuseExecutor: TaskExecutor {
    /// `scan.fuse`.
    public var kind: String { ScanTaskKind.fuse }

    /// The executor.
    public init() {}

    /// Fuses and evaluates.
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        let body = try ScanCoding.decode(FuseTask.self, from: task.payload, what: "scan.fuse task")
        var result = try Self.fuse(body, dataRoot: context.dataRoot, outputRoot: context.outputRoot)
        result.taskId = String(task.id)
        return try ScanCoding.payload(result)
    }

    /// The work of a fuse task (also callable without a cluster).
    public static func fuse(_ body: FuseTask, dataRoot: DataRoot, outputRoot: OutputRoot) throws -> FusedSystemResult {
        let start = Date()
        let directory = try dataRoot.resolve(body.dataset)
        let models = try body.members.map { member in
            (name: member.cell.description, url: try outputRoot.resolve(body.outputDirectory + "/" + member.modelPath))
        }
        guard let method = FusionMethod(rawValue: body.method.rawValue) else {
            throw ScanError.malformedPayload(what: "scan.fuse task", reason: "unknown method \(body.method.rawValue)")
        }
        var job = ModelFusionJob(directory: directory, datasetName: body.dataset, models: models, method: method)
        job.targetColumns = body.targetColumns
        job.conditions = Set(body.conditions)
        let record: FusionRecord
        do {
            record = try job.run()
        } catch let error as DatasetError {
            throw ScanError.invalidDataset(directory: body.dataset, problems: error.problems.map(\.description))
        } catch let error as FusionError {
            throw ScanError.inconsistentResults("fusion \(body.key): \(error.description)")
        } catch let error as LearnError {
            throw ScanError.io(path: body.dataset, reason: "fusion \(body.key): \(error.description)")
        }
        return FusedSystemResult(
            method: body.method, members: body.members.map(\.cell), seed: body.seed, labelVariance: body.labelVariance,
            weights: record.weights.map {
                FusedSystemResult.Weights(
                    target: $0.target, weights: $0.weights, bias: $0.bias, memberDevMetric: $0.memberDevMetric)
            },
            metrics: record.metrics.compactMap(ScanResults.MetricValue.init),
            seconds: Date().timeIntervalSince(start))
    }
}
