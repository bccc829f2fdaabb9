import Cluster
import Foundation
import Numerics
import Saliency
import Scoring
import Shards

/// `scan.statistics`: the partials of one shard's utterance range (train split): moments (CCS), covariance
/// (PCA), ranges (first pass of `mis-hist`), or joint histograms on agreed edges (its second pass), and the
/// pooled train rows themselves when the KSG tasks are to read them from here. The result body is a ``StatisticsResult``; the arrays are the partials' bytes in the order it lists.
public struct StatisticsExecutor: TaskExecutor {
    /// `scan.statistics`.
    public var kind: String { ScanTaskKind.statistics }

    /// The executor.
    public init() {}

    /// Streams the range once and returns the partials.
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        let body = try ScanCoding.decode(StatisticsTask.self, from: task.payload, what: "scan.statistics task")
        let url = try context.dataRoot.resolve(body.dataset + "/" + body.shard)
        let reader = try ShardReader(url: url, layers: body.layers)
        guard body.start >= 0, body.end <= reader.utteranceCount, body.start < body.end else {
            throw ShardError(
                file: body.shard, message: "utterances \(body.start)..<\(body.end) outside 0..<\(reader.utteranceCount)"
            )
        }
        var layout: HistogramLayout?
        if let bins = body.histogramBins {
            guard let edges = task.payload.arrays.first else {
                throw ScanError.malformedPayload(what: "scan.statistics task", reason: "histogram edges missing")
            }
            let merged = try RangePartial(serialized: [UInt8](edges))
            layout = try HistogramLayout(range: merged, bins: bins, binaryTargets: body.binaryTargets)
        }
        // One pass thread: a worker runs one task per slot, and its slots are its parallelism.
        let pass = ShardPass(
            sources: [PassSource(url: url, utterances: body.start..<body.end)], opened: [url.lastPathComponent: reader],
            split: .train, pooling: Pooling(rawValue: body.pooling.rawValue) ?? .utterance,
            targetColumns: body.targetColumns, threads: 1)
        let kept = Collected()
        let partials = try pass.accumulate(
            PassPartials(
                dimensions: 0..<reader.dimension, targetCount: body.targetColumns.count, moments: body.moments,
                covariance: body.covariance, range: body.range, histogram: layout,
                bootstrap: body.replicates.map { BootstrapSettings(replicates: $0, seed: body.bootstrapSeed ?? 0) }),
            keep: body.pooledRows == true ? { kept.batches.append($0) } : nil)
        let (moments, covariance, range, histogram, rows) = (
            partials.moments, partials.covariance, partials.range, partials.histogram, partials.rows
        )
        var names = [String]()
        var arrays = [[UInt8]]()
        if let moments {
            names.append("moments")
            arrays.append(moments.serialized())
        }
        if let bootstrap = partials.bootstrapMoments {
            names.append("bootstrap-moments")
            arrays.append(bootstrap.serialized())
        }
        if let covariance {
            names.append("covariance")
            arrays.append(covariance.serialized())
        }
        if let range {
            names.append("range")
            arrays.append(range.serialized())
        }
        if let histogram {
            names.append("histogram")
            arrays.append(histogram.serialized())
        }
        if body.pooledRows == true {
            // A piece whose utterances hold no train rows still answers, with zero rows.
            let pooled =
                kept.batches.isEmpty
                ? try Observations(
                    features: [], targets: [], count: 0, dimensions: reader.dimension,
                    targetCount: body.targetColumns.count, rowKeys: [])
                : try Observations.concatenating(kept.batches)
            names.append("pooled-rows")
            arrays.append(pooled.serialized())
        }
        return try ScanCoding.payload(
            StatisticsResult(key: body.key, partials: names, rows: rows, bytesFromDataRoot: pass.bytesRead),
            arrays: arrays)
    }
}

/// The body of a statistics task's result.
public struct StatisticsResult: Codable, Equatable, Sendable {
    /// The task's key.
    public var key: String
    /// Which partials the arrays hold, in order (`moments`, `bootstrap-moments`, `covariance`, `range`,
    /// `histogram`, `pooled-rows`).
    public var partials: [String]
    /// Pooled rows counted.
    public var rows: Int
    /// Decoded bytes of the frames read from the data root (absent in results of earlier builds).
    public var bytesFromDataRoot: Int? = nil
}

/// `scan.ksg`: the KSG mutual information of one block of dimensions against the targets, over every
/// train observation of every clean shard (catalog order, as `salience scores` reads them): from the pooled
/// rows the statistics tasks sent with it when it carries them, else reading the block's columns. The result's arrays are the per-target scores (Float64, little-endian).
public struct KSGExecutor: TaskExecutor {
    /// `scan.ksg`.
    public var kind: String { ScanTaskKind.ksg }

    /// The executor.
    public init() {}

    /// Reads the block's columns of all train utterances and estimates MI.
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        let body = try ScanCoding.decode(KSGTask.self, from: task.payload, what: "scan.ksg task")
        let observations: Observations
        var bytesRead = 0
        if body.carriesRows == true {
            // The statistics tasks pooled these rows already: nothing to read.
            guard let data = task.payload.arrays.first else {
                throw ScanError.malformedPayload(
                    what: "scan.ksg task \(body.key)", reason: "its pooled rows are missing")
            }
            do { observations = try Observations(serialized: [UInt8](data)) } catch {
                throw ScanError.malformedPayload(what: "scan.ksg task \(body.key)", reason: "pooled rows: \(error)")
            }
            guard observations.dimensionRange == body.start..<body.end,
                observations.targetCount == body.targetColumns.count
            else {
                throw ScanError.malformedPayload(
                    what: "scan.ksg task \(body.key)",
                    reason:
                        "pooled rows cover dimensions \(observations.dimensionRange) and \(observations.targetCount) "
                        + "target(s), not \(body.start)..<\(body.end) and \(body.targetColumns.count)")
            }
        } else {
            let directory = try context.dataRoot.resolve(body.dataset)
            let catalog: DatasetCatalog
            do {
                catalog = try DatasetCatalog(directory: directory)
            } catch let error as DatasetError {
                throw ScanError.invalidDataset(directory: body.dataset, problems: error.problems.map(\.description))
            }
            let pass = ShardPass(
                sources: catalog.shards(condition: ShardFormat.cleanCondition).map {
                    PassSource(url: catalog.url(of: $0), layers: body.layers)
                },
                split: .train, pooling: Pooling(rawValue: body.pooling.rawValue) ?? .utterance,
                targetColumns: body.targetColumns, threads: 1)
            let collected = Collected()
            try pass.run(
                columns: Array(body.start..<body.end), compute: { $0 }, merge: { collected.batches.append($0) })
            observations = try Observations.concatenating(collected.batches)
            bytesRead = pass.bytesRead
        }
        let estimator = KSGMutualInformation(neighbours: body.neighbours, noise: .seeded(body.noiseSeed), threads: 1)
        let scores = try estimator.scores(observations)
        // With replicates, B subsample score vectors (mean over targets) follow the per-target scores.
        let subsamples = try body.replicates.map {
            try estimator.subsampleScores(
                observations,
                bootstrap: BootstrapSettings(replicates: $0, seed: body.bootstrapSeed ?? SaliencyDefaults.bootstrapSeed)
            )
        }
        var result = KSGResult(key: body.key, start: body.start, end: body.end, bytesFromDataRoot: bytesRead)
        result.replicates = subsamples?.count
        return try ScanCoding.payload(
            result, arrays: (scores.perTarget + (subsamples ?? [])).map { DoubleBytes.encode($0) })
    }
}

/// The body of a KSG task's result; the arrays are one score vector per target, then `replicates` subsample
/// score vectors (mean over targets) when the task asked for them.
public struct KSGResult: Codable, Equatable, Sendable {
    /// The task's key.
    public var key: String
    /// First dimension.
    public var start: Int
    /// Last dimension (exclusive).
    public var end: Int
    /// Decoded bytes of the frames read from the data root (absent in results of earlier builds).
    public var bytesFromDataRoot: Int? = nil
    /// Subsample replicates among the arrays (absent without them).
    public var replicates: Int? = nil
}

/// Batches kept by a pass's merge (one at a time).
private final class Collected: @unchecked Sendable {
    var batches: [Observations] = []
}
