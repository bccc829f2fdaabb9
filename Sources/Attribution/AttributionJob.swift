import Foundation
import Learn
import Numerics
import Saliency
import Shards

/// The IG job: a trained decoder's attribution statistics over the utterances of one split, read from
/// shards (each whole, or a range of its utterances) restricted to the model's columns. `salience attribute`
/// runs it over a dataset's clean shards; the cluster's `scan.ig` task over one shard's utterance range.
///
/// Utterances go through `AttributionPass` in chunks of `chunkSize`, in shard and utterance order, so memory
/// is bounded by a chunk (and the interpolation batches `IntegratedGradients` cuts it into), not by the split;
/// the statistics are added utterance by utterance in that order, so they do not depend on the chunking.
public struct AttributionJob {
    /// Utterances per chunk handed to the pass: enough rows to keep every replica's batches full.
    public static let chunkSize = 64

    /// The model's copies, one per thread.
    public let replicas: [TrainedModel]
    /// The integration rule and steps.
    public let method: IntegratedGradients
    /// The outputs attributed (indices into the model's outputs).
    public let outputs: [Int]

    /// A job over `replicas` (at least one; all copies of one model).
    public init(replicas: [TrainedModel], method: IntegratedGradients, outputs: [Int]) {
        self.replicas = replicas
        self.method = method
        self.outputs = outputs
    }

    /// What a job produced.
    public struct Outcome {
        /// The statistics of every utterance attributed.
        public var statistics: AttributionStatistics
        /// Bootstrap replicates of the IG score, when the job was given `bootstrap`.
        public var replicates: AttributionReplicates? = nil
        /// Seconds spent attributing (reading the shards not included).
        public var attributionSeconds: Double
        /// Decoded bytes of the frames read from the shards (the model's selected columns only).
        public var bytesRead: Int = 0
    }

    /// Attributes at most `limit` utterances of `split` in `shards` (each whole, or only `utterances` of
    /// it; of a layered dataset only `layers`, side by side, nil for every layer), calling `progress` with the count done after each chunk.
    /// - Throws: `ShardError` for a range outside a shard or a shard of another width, `AttributionError`
    ///   for an output the model lacks, and the reader's errors naming file and row.
    public func run(
        shards: [(url: URL, utterances: Range<Int>?)], split: Split, limit: Int = .max, layers: [Int]? = nil,
        bootstrap: BootstrapSettings? = nil, progress: (Int) -> Void = { _ in }
    ) throws -> Outcome {
        var pass = try AttributionPass(method: method, replicas: replicas, outputs: outputs, bootstrap: bootstrap)
        let model = replicas[0]
        var remaining = limit
        var done = 0
        var seconds = 0.0
        var bytesRead = 0
        var chunk: [[Float]] = []
        var keys: [UInt64] = []
        func flush() throws {
            let started = Date()
            try pass.add(chunk, keys: bootstrap == nil ? nil : keys)
            seconds += Date().timeIntervalSince(started)
            done += chunk.count
            chunk = []
            keys = []
            progress(done)
        }
        for shard in shards where remaining > 0 {
            let reader = try ShardReader(url: shard.url, layers: layers)
            let range = shard.utterances ?? 0..<reader.utteranceCount
            guard range.lowerBound >= 0, range.upperBound <= reader.utteranceCount, !range.isEmpty else {
                throw ShardError(
                    file: reader.header.fileName,
                    message: "utterances \(range.lowerBound)..<\(range.upperBound) outside 0..<\(reader.utteranceCount)"
                )
            }
            guard reader.dimension == model.datasetWidth else {
                throw ShardError(
                    file: reader.header.fileName,
                    message: "D=\(reader.dimension), but the model was trained on D=\(model.datasetWidth)")
            }
            let wanted = reader.utterances(in: split).filter { range.contains($0) }
            for run in Self.contiguousRuns(wanted) where remaining > 0 {
                let clipped = run.lowerBound..<(run.lowerBound + min(run.count, remaining))
                var iterator = reader.utteranceIterator(over: clipped, columns: model.selection)
                while let utterance = try iterator.next() {
                    chunk.append(utterance.frames)
                    if bootstrap != nil { keys.append(PoissonBootstrap.key(of: utterance.id)) }
                    bytesRead += utterance.frames.count * MemoryLayout<Float>.stride
                    remaining -= 1
                    if chunk.count == Self.chunkSize { try flush() }
                }
            }
        }
        if !chunk.isEmpty { try flush() }
        return Outcome(
            statistics: pass.statistics, replicates: pass.replicates, attributionSeconds: seconds, bytesRead: bytesRead)
    }

    /// Sorted indices grouped into maximal runs of consecutive values.
    static func contiguousRuns(_ indices: [Int]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        for index in indices {
            if let last = runs.last, last.upperBound == index {
                runs[runs.count - 1] = last.lowerBound..<index + 1
            } else {
                runs.append(index..<index + 1)
            }
        }
        return runs
    }
}
