import Attribution
import Cluster
import Foundation
import Learn
import Shards

/// `scan.ig`: the Integrated Gradients statistics of the full-width baseline decoder over one shard's
/// utterance range (train split). The result's only array is the `AttributionStatistics` bytes; merged
/// over every range in task order they give the `ig` score.
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
        let reader = try ShardReader(url: url)
        guard body.start >= 0, body.end <= reader.utteranceCount, body.start < body.end else {
            throw ShardError(
                file: body.shard, message: "utterances \(body.start)..<\(body.end) outside 0..<\(reader.utteranceCount)"
            )
        }
        guard model.datasetWidth == reader.dimension else {
            throw ScanError.inconsistentResults(
                "\(body.modelPath) was trained on D=\(model.datasetWidth), \(body.shard) has D=\(reader.dimension)")
        }
        BLASThreads.set(1)
        let method: IntegrationMethod = body.method == .riemannRight ? .riemannRight : .gaussLegendre
        var pass = try AttributionPass(
            method: IntegratedGradients(steps: body.steps, method: method), replicas: [model], outputs: body.outputs)
        var chunk = [[Float]]()
        var iterator = reader.utteranceIterator(over: body.start..<body.end, columns: model.selection)
        while let utterance = try iterator.next() {
            guard utterance.split == .train else { continue }
            chunk.append(utterance.frames)
            if chunk.count == ScanDefaults.igChunk {
                try pass.add(chunk)
                chunk = []
            }
        }
        if !chunk.isEmpty { try pass.add(chunk) }
        return try ScanCoding.payload(
            IGResult(key: body.key, utterances: pass.statistics.count), arrays: [pass.statistics.bytes])
    }
}

/// The body of an IG task's result.
public struct IGResult: Codable, Equatable, Sendable {
    /// The task's key.
    public var key: String
    /// Utterances attributed.
    public var utterances: Int
}
