import Attribution
import Cluster
import Foundation
import Learn
import Numerics
import Saliency
import Shards

/// `scan.ig`: the Integrated Gradients statistics of the full-width baseline decoder over one shard's
/// utterance range (train split). The result's first array is the `AttributionStatistics` bytes; merged
/// over every range in task order they give the `ig` score. With `[confidence]`, a second array holds the
/// `AttributionReplicates` of the same utterances.
public struct IGExecutor: TaskExecutor {
    /// `scan.ig`.
    public var kind: String { ScanTaskKind.ig }

    /// The executor.
    public init() {}

    /// Attributes the range's train utterances.
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        let body = try ScanCoding.decode(IGTask.self, from: task.payload, what: "scan.ig task")
        let model: TrainedModel
        let modelURL = try context.outputRoot.resolve(body.modelPath)
        do {
            model = try Checkpoint.load(from: modelURL)
        } catch {
            throw ScanError.io(path: body.modelPath, reason: "cannot load the baseline model: \(error)")
        }
        let url = try context.dataRoot.resolve(body.dataset + "/" + body.shard)
        guard body.start >= 0, body.start < body.end else {
            throw ShardError(file: body.shard, message: "utterances \(body.start)..<\(body.end) is not a range")
        }
        BLASThreads.set(1)
        let method: IntegrationMethod = body.method == .riemannRight ? .riemannRight : .gaussLegendre
        let job = AttributionJob(
            replicas: [model], method: IntegratedGradients(steps: body.steps, method: method), outputs: body.outputs)
        let bootstrap = body.replicates.map {
            BootstrapSettings(replicates: $0, seed: body.bootstrapSeed ?? SaliencyDefaults.bootstrapSeed)
        }
        let outcome = try job.run(
            shards: [(url, body.start..<body.end)], split: .train, layers: body.layers, bootstrap: bootstrap)
        // The replicates, when asked for, are a second array.
        return try ScanCoding.payload(
            IGResult(key: body.key, utterances: outcome.statistics.count, bytesFromDataRoot: outcome.bytesRead),
            arrays: [outcome.statistics.bytes] + (outcome.replicates.map { [$0.bytes] } ?? []))
    }
}

/// The body of an IG task's result.
public struct IGResult: Codable, Equatable, Sendable {
    /// The task's key.
    public var key: String
    /// Utterances attributed.
    public var utterances: Int
    /// Decoded bytes of the frames read from the data root (absent in results of earlier builds).
    public var bytesFromDataRoot: Int? = nil
}
