import Foundation
import Numerics
import Saliency
import Shards

/// A scoring method `salience scores` can compute.
public enum ScoreMethod: String, CaseIterable, Sendable {
    case ccs
    case mis
    case misHist = "mis-hist"
    case pca
}

/// The settings of one scores job.
public struct ScoresSettings: Sendable {
    public var methods: [ScoreMethod]
    public var pooling: Pooling
    public var bins: Int
    public var millerMadow: Bool
    public var split: Split
    public var threads: Int
    public var noise: KSGMutualInformation.Noise
    /// Pooled rows kept in memory for `mis` and `mis-hist` (beyond it, those re-read the shards).
    public var pooledMemoryBytes: Int
    /// Frames a thread of the pass reads at a time (rounded to whole chunk rows).
    public var framesPerRead: Int
    /// Shards the catalog keeps open for the pass (`ScoresJob.shardsKeptOpen` by default).
    public var shardsKeptOpen = ScoresJob.shardsKeptOpen
    /// Poisson-bootstrap replicates of the methods that support them (CCS; KSG by subsampling); none when nil.
    public var bootstrap: BootstrapSettings?
    /// The layers of a layered dataset to score, side by side (nil: every layer).
    public var layers: [Int]?

    /// Settings for `methods`; the rest as `salience scores` defaults them.
    public init(
        methods: [ScoreMethod], pooling: Pooling = .utterance, bins: Int = SaliencyDefaults.histogramBins,
        millerMadow: Bool = false, split: Split = .train, threads: Int = 2,
        noise: KSGMutualInformation.Noise = .seeded(0), pooledMemoryBytes: Int = 1 << 30,
        framesPerRead: Int = ShardPass.framesPerUnit
    ) {
        self.methods = methods
        self.pooling = pooling
        self.bins = bins
        self.millerMadow = millerMadow
        self.split = split
        self.threads = threads
        self.noise = noise
        self.pooledMemoryBytes = pooledMemoryBytes
        self.framesPerRead = framesPerRead
    }
}

/// Everything a scores job computed.
public struct ScoresResult {
    public var dimension: Int
    public var targets: [String]
    public var scores: [DimensionScores]
    public var pca: PrincipalComponents?
    /// The layers scored, in column order (nil for a version-1 dataset), and, for a dataset of several
    /// layers, one PCA per layer instead of `pca`.
    public var layers: [LayerWidth]? = nil
    public var layerPCA: [PrincipalComponents] = []
    public var observations: Int
    /// Bootstrap replicates of the scores, for the methods that have them (empty without `bootstrap`).
    public var replicates: [ScoreReplicates] = []
    /// Seconds spent checking the shards, in the streaming pass (read, inflate, pool, moments), and scoring
    /// after it (a second read included when the pooled rows did not fit in memory).
    public var seconds: (validation: Double, firstPass: Double, scoring: Double) = (0, 0, 0)
    /// Bytes of frames the streaming pass decoded (the columns read, as float32), for its throughput.
    public var firstPassBytes = 0
}

/// The work of `salience scores`, apart from parsing and writing: check the shards, stream them once, score.
public struct ScoresJob {
    let directory: URL
    let settings: ScoresSettings
    let progress: (String) -> Void

    /// A job over the clean shards of `directory`; `progress` gets one line per stage and shard.
    public init(directory: URL, settings: ScoresSettings, progress: @escaping (String) -> Void = { _ in }) {
        self.directory = directory
        self.settings = settings
        self.progress = progress
    }

    /// Shards the catalog keeps open for the pass by default (their metadata is read once); the pass opens
    /// the others one at a time, as it reaches them.
    public static let shardsKeptOpen = 64

    /// Runs the job.
    public func run() throws -> ScoresResult {
        let started = Date()
        // Headers and metadata of every shard first: a bad shard stops here, before any pass or output.
        let catalog: DatasetCatalog
        var readers: [String: ShardReader]
        (catalog, readers) = try DatasetCatalog.opening(
            directory: directory, condition: ShardFormat.cleanCondition, layers: settings.layers,
            keepingAtMost: settings.shardsKeptOpen)
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
        if let bootstrap = settings.bootstrap,
            let problem = BootstrapLimits.problem(
                replicates: bootstrap.replicates, dimensions: dimension, targets: targets.count)
        {
            throw SaliencyError.invalidParameter(problem)
        }
        let pass = ShardPass(
            sources: shards.map { PassSource(url: $0, layers: settings.layers) }, opened: readers,
            split: settings.split,
            pooling: settings.pooling, threads: settings.threads, framesPerRead: settings.framesPerRead,
            progress: progress)
        // The pass holds the only references now, and lets each shard's file go once it has read it.
        readers = [:]
        let all = 0..<dimension
        let layerColumns = catalog.layerColumns
        let layered = layerColumns.layers.count > 1
        // Parallelism comes from the compute threads, one BLAS call each; restored for the eigen-decomposition.
        let blasThreads = BLASThreads.current
        BLASThreads.set(1)
        BLASThreads.stopIdleWorkers()
        defer { BLASThreads.set(blasThreads) }

        // Pass 1: moments, covariance, ranges; pooled rows kept when they fit the budget.
        let passStarted = Date()
        let wantsPooled = methods.contains(.mis) || methods.contains(.misHist)
        let estimatedRows = settings.pooling == .utterance ? utterances : catalog.frameCount()
        let retained = Retained()
        let keep = wantsPooled && estimatedRows * dimension * 8 <= settings.pooledMemoryBytes
        let first = try pass.accumulate(
            PassPartials(
                dimensions: all, targetCount: targets.count, moments: methods.contains(.ccs),
                covariance: methods.contains(.pca), range: methods.contains(.misHist), bootstrap: settings.bootstrap,
                covarianceBlocks: layered
                    ? layerColumns.layers.indices.map { layerColumns.columns(ofPosition: $0) } : nil),
            keep: keep ? { retained.batches.append($0) } : nil)
        guard first.rows >= needed else {
            throw SaliencyError.tooFewObservations(required: needed, found: first.rows, statistic: "scores")
        }
        let scoringStarted = Date()
        let firstPassBytes = pass.bytesRead

        var scores = [DimensionScores]()
        var pca: PrincipalComponents?
        var layerPCA = [PrincipalComponents]()
        var replicates = [ScoreReplicates]()
        for method in settings.methods {
            switch method {
            case .ccs:
                if let moments = first.moments {
                    let ccs = try CrossCorrelationSaliency.scores(moments)
                    scores.append(ccs)
                    if let bootstrap = first.bootstrapMoments {
                        replicates.append(try ScoreReplicates.ccs(point: ccs, bootstrap: bootstrap))
                    }
                }
            case .pca:
                BLASThreads.set(blasThreads)
                if let covariance = first.covariance {
                    progress("PCA: eigen-decomposition of the \(dimension) x \(dimension) covariance")
                    pca = try PrincipalComponents(covariance: covariance)
                }
                for (position, covariance) in (first.blockCovariances ?? []).enumerated() {
                    let layer = layerColumns.layers[position]
                    progress("PCA of layer \(layer.layer): the \(layer.dimension) x \(layer.dimension) covariance")
                    layerPCA.append(try PrincipalComponents(covariance: covariance))
                }
                BLASThreads.set(1)
            case .misHist:
                guard let range = first.range else { continue }
                let layout = try HistogramLayout(
                    range: range, bins: settings.bins, binaryTargets: catalog.task == .binary)
                let histogram = try histogramPass(layout: layout, retained: keep ? retained.batches : nil, pass: pass)
                scores.append(
                    try HistogramMutualInformation.scores(
                        histogram, millerMadow: settings.millerMadow, threads: settings.threads))
            case .mis:
                let (mis, subsamples) = try ksg(
                    dimension: dimension, rows: first.rows, retained: keep ? retained.batches : nil, pass: pass)
                scores.append(mis)
                if let subsamples {
                    replicates.append(
                        try ScoreReplicates.subsampled(
                            method: mis.method, point: mis.mean, subsamples: subsamples))
                }
            }
        }
        var result = ScoresResult(
            dimension: dimension, targets: targets, scores: scores, pca: pca, observations: first.rows,
            replicates: replicates,
            seconds: (
                passStarted.timeIntervalSince(started), scoringStarted.timeIntervalSince(passStarted),
                Date().timeIntervalSince(scoringStarted)
            ))
        result.firstPassBytes = firstPassBytes
        result.layers = catalog.layers
        result.layerPCA = layerPCA
        return result
    }

    /// Pass 2 of `mis-hist`: counts on the agreed edges, over the kept rows or a second read.
    private func histogramPass(
        layout: HistogramLayout, retained: [Observations]?, pass: ShardPass
    ) throws -> JointHistogramPartial {
        var histogram = JointHistogramPartial(layout: layout)
        if let retained {
            // Kept batches counted on every thread, each thread a slice of the dimensions (no merge).
            try histogram.add(retained, threads: settings.threads)
            return histogram
        }
        progress("mis-hist: second pass over the shards")
        let counted = try pass.accumulate(
            PassPartials(dimensions: layout.dimensions, targetCount: layout.targetCount, histogram: layout))
        return counted.histogram!
    }

    /// Pooled batches kept by the pass's merge (one at a time), for a second look without a second read.
    private final class Retained: @unchecked Sendable {
        var batches: [Observations] = []
    }

    private final class Collected: @unchecked Sendable {
        var batches: [Observations] = []
    }

    /// `mis`: KSG over every pooled row of a block of dimensions; blocks as wide as the memory budget allows
    /// when the rows were not kept, each read with only its columns.
    /// KSG over the kept rows, or block by block of columns with a read each; with `bootstrap`, also the
    /// subsample scores of every replicate (`[b][d]`, mean over targets), joined in block order.
    private func ksg(
        dimension: Int, rows: Int, retained: [Observations]?, pass: ShardPass
    ) throws -> (DimensionScores, [[Double]]?) {
        let estimator = KSGMutualInformation(noise: settings.noise, threads: settings.threads)
        func estimate(_ observations: Observations) throws -> (DimensionScores, [[Double]]?) {
            let scores = try estimator.scores(observations)
            guard let bootstrap = settings.bootstrap else { return (scores, nil) }
            progress("mis: \(bootstrap.replicates) subsample replicates")
            return (scores, try estimator.subsampleScores(observations, bootstrap: bootstrap))
        }
        if let retained {
            progress("mis: KSG on \(rows) rows x \(dimension) dimensions")
            return try estimate(Observations.concatenating(retained))
        }
        let width = max(1, min(dimension, settings.pooledMemoryBytes / max(1, rows * 8)))
        var blocks = [DimensionScores]()
        var subsamples: [[Double]]?
        var start = 0
        while start < dimension {
            let columns = start..<min(dimension, start + width)
            progress("mis: dimensions \(columns.lowerBound)..<\(columns.upperBound) of \(dimension)")
            let collected = Collected()
            try pass.run(columns: Array(columns), compute: { $0 }, merge: { collected.batches.append($0) })
            let (block, replicates) = try estimate(Observations.concatenating(collected.batches))
            blocks.append(block)
            if let replicates {
                // Replicate b's vector grows by this block's columns (array concatenation, not a sum).
                subsamples =
                    subsamples.map { zip($0, replicates).map { joined, block in joined + block } } ?? replicates
            }
            start = columns.upperBound
        }
        return (try DimensionScores.concatenating(blocks), subsamples)
    }
}
