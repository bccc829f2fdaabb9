import Foundation
import Learn
import Numerics
import Saliency
import Shards

/// A scoring method `salience scores` can compute.
enum ScoreMethod: String, CaseIterable {
    case ccs
    case mis
    case misHist = "mis-hist"
    case pca
}

/// The settings of one `salience scores` run.
struct ScoresSettings {
    var methods: [ScoreMethod]
    var pooling: Pooling
    var bins: Int
    var millerMadow: Bool
    var split: Split
    var threads: Int
    var noise: KSGMutualInformation.Noise
    /// Pooled rows kept in memory for `mis` and `mis-hist` (beyond it, those re-read the shards).
    var pooledMemoryBytes: Int
    /// Frames a thread of the pass reads at a time (rounded to whole chunk rows).
    var framesPerRead: Int
    /// Shards the catalog keeps open for the pass (`ScoresRun.shardsKeptOpen` by default).
    var shardsKeptOpen = ScoresRun.shardsKeptOpen
}

/// Everything `salience scores` computed.
struct ScoresResult {
    var dimension: Int
    var targets: [String]
    var scores: [DimensionScores]
    var pca: PrincipalComponents?
    var observations: Int
    /// Seconds spent checking the shards, in the streaming pass (read, inflate, pool, moments), and scoring
    /// after it (a second read included when the pooled rows did not fit in memory).
    var seconds: (validation: Double, firstPass: Double, scoring: Double) = (0, 0, 0)
}

/// The work of `salience scores`, apart from parsing and writing: validate, stream, score.
struct ScoresRun {
    let directory: URL
    let settings: ScoresSettings
    let progress: (String) -> Void

    /// What the first pass accumulates, merged block by block in block order.
    private final class FirstPass: @unchecked Sendable {
        var moments: MomentsPartial?
        var covariance: CovariancePartial?
        var range: RangePartial?
        var retained: [Observations]? = nil
        var rows = 0
    }

    private struct BlockStatistics {
        var moments: MomentsPartial?
        var covariance: CovariancePartial?
        var range: RangePartial?
        var observations: Observations
    }

    /// Shards the catalog keeps open for the pass by default (their metadata is read once); the pass opens
    /// the others one at a time, as it reaches them.
    static let shardsKeptOpen = 64

    /// Frames a thread of the pass reads at a time (rounded to whole chunk rows; see `ScoresPass`).
    static let framesPerUnit = 1024

    func run() throws -> ScoresResult {
        let started = Date()
        // Headers and metadata of every shard first: a bad shard stops here, before any pass or output.
        let (catalog, readers) = try DatasetCatalog.opening(
            directory: directory, condition: ShardFormat.cleanCondition, keepingAtMost: settings.shardsKeptOpen)
        let shards = catalog.shards(condition: ShardFormat.cleanCondition).map { catalog.url(of: $0) }
        let dimension = catalog.dimension
        let targets = catalog.targets
        let utterances = catalog.utteranceCount(split: settings.split)
        let methods = Set(settings.methods)
        let needed = methods.contains(.mis) ? SaliencyDefaults.ksgNeighbours + 1 : SaliencyDefaults.minimumObservations
        guard utterances >= needed else {
            throw SaliencyError.tooFewObservations(
                required: needed, found: utterances,
                statistic: "scores on the \(settings.split) split of \(directory.path)")
        }
        let pass = ScoresPass(
            shards: shards, opened: readers, split: settings.split, pooling: settings.pooling,
            targetCount: targets.count, threads: settings.threads, framesPerRead: settings.framesPerRead,
            progress: progress)
        let all = 0..<dimension
        // Parallelism comes from the compute threads, one BLAS call each; restored for the eigen-decomposition.
        let blasThreads = BLASThreads.current
        BLASThreads.set(1)
        BLASThreads.stopIdleWorkers()
        defer { BLASThreads.set(blasThreads) }

        // Pass 1: moments, covariance, ranges; pooled rows kept when they fit the budget.
        let passStarted = Date()
        let first = FirstPass()
        if methods.contains(.ccs) { first.moments = MomentsPartial(dimensions: all, targetCount: targets.count) }
        if methods.contains(.pca) { first.covariance = CovariancePartial(dimensions: all) }
        if methods.contains(.misHist) { first.range = RangePartial(dimensions: all, targetCount: targets.count) }
        let wantsPooled = methods.contains(.mis) || methods.contains(.misHist)
        let estimatedRows = settings.pooling == .utterance ? utterances : catalog.frameCount()
        if wantsPooled && estimatedRows * dimension * 8 <= settings.pooledMemoryBytes { first.retained = [] }
        let keep = first.retained != nil
        let wantMoments = first.moments != nil
        let wantCovariance = first.covariance != nil
        let wantRange = first.range != nil
        try pass.run(
            columns: nil,
            compute: { batch -> BlockStatistics in
                var statistics = BlockStatistics(observations: batch)
                if wantMoments { statistics.moments = MomentsPartial(batch) }
                if wantCovariance {
                    var covariance = CovariancePartial(dimensions: all)
                    try covariance.add(batch)
                    statistics.covariance = covariance
                }
                if wantRange { statistics.range = RangePartial(batch) }
                return statistics
            },
            merge: { statistics in
                if let moments = statistics.moments { try first.moments?.merge(moments) }
                if let covariance = statistics.covariance { try first.covariance?.merge(covariance) }
                if let range = statistics.range { try first.range?.merge(range) }
                if keep { first.retained?.append(statistics.observations) }
                first.rows += statistics.observations.count
            })
        guard first.rows >= needed else {
            throw SaliencyError.tooFewObservations(required: needed, found: first.rows, statistic: "scores")
        }
        let scoringStarted = Date()

        var scores = [DimensionScores]()
        var pca: PrincipalComponents?
        for method in settings.methods {
            switch method {
            case .ccs:
                if let moments = first.moments { scores.append(try CrossCorrelationSaliency.scores(moments)) }
            case .pca:
                progress("PCA: eigen-decomposition of the \(dimension) x \(dimension) covariance")
                BLASThreads.set(blasThreads)
                if let covariance = first.covariance { pca = try PrincipalComponents(covariance: covariance) }
                BLASThreads.set(1)
            case .misHist:
                guard let range = first.range else { continue }
                let layout = try HistogramLayout(
                    range: range, bins: settings.bins, binaryTargets: catalog.task == .binary)
                let histogram = try histogramPass(layout: layout, retained: first.retained, pass: pass)
                scores.append(
                    try HistogramMutualInformation.scores(
                        histogram, millerMadow: settings.millerMadow, threads: settings.threads))
            case .mis:
                scores.append(try ksg(dimension: dimension, rows: first.rows, retained: first.retained, pass: pass))
            }
        }
        return ScoresResult(
            dimension: dimension, targets: targets, scores: scores, pca: pca, observations: first.rows,
            seconds: (
                passStarted.timeIntervalSince(started), scoringStarted.timeIntervalSince(passStarted),
                Date().timeIntervalSince(scoringStarted)
            ))
    }

    /// Pass 2 of `mis-hist`: counts on the agreed edges, over the kept rows or a second read.
    private func histogramPass(
        layout: HistogramLayout, retained: [Observations]?, pass: ScoresPass
    ) throws -> JointHistogramPartial {
        var histogram = JointHistogramPartial(layout: layout)
        if let retained {
            // Kept batches counted on every thread, each thread a slice of the dimensions (no merge).
            try histogram.add(retained, threads: settings.threads)
            return histogram
        }
        progress("mis-hist: second pass over the shards")
        let merged = MergedHistogram(histogram)
        try pass.run(
            columns: nil,
            compute: { batch -> JointHistogramPartial in
                var piece = JointHistogramPartial(layout: layout)
                try piece.add(batch)
                return piece
            },
            merge: { try merged.value.merge($0) })
        return merged.value
    }

    private final class MergedHistogram: @unchecked Sendable {
        var value: JointHistogramPartial
        init(_ value: JointHistogramPartial) { self.value = value }
    }

    private final class Collected: @unchecked Sendable {
        var batches: [Observations] = []
    }

    /// `mis`: KSG over every pooled row of a block of dimensions; blocks as wide as the memory budget allows
    /// when the rows were not kept, each read with only its columns.
    private func ksg(dimension: Int, rows: Int, retained: [Observations]?, pass: ScoresPass) throws -> DimensionScores {
        let estimator = KSGMutualInformation(noise: settings.noise, threads: settings.threads)
        if let retained {
            progress("mis: KSG on \(rows) rows x \(dimension) dimensions")
            return try estimator.scores(Observations.concatenating(retained))
        }
        let width = max(1, min(dimension, settings.pooledMemoryBytes / max(1, rows * 8)))
        var blocks = [DimensionScores]()
        var start = 0
        while start < dimension {
            let columns = start..<min(dimension, start + width)
            progress("mis: dimensions \(columns.lowerBound)..<\(columns.upperBound) of \(dimension)")
            let collected = Collected()
            try pass.run(columns: columns, compute: { $0 }, merge: { collected.batches.append($0) })
            blocks.append(try estimator.scores(Observations.concatenating(collected.batches)))
            start = columns.upperBound
        }
        return try DimensionScores.concatenating(blocks)
    }
}
