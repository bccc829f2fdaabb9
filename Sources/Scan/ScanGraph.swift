import Attribution
import Cluster
import Foundation
import Numerics
import Saliency

/// The scan's task graph for one dataset: which tasks exist (fixed once the catalog is known), what each
/// waits for, and the scores and selections the finished ones give.
///
/// Dependencies: catalog → statistics pass A (moments, covariance, ranges), KSG blocks, and the grid cells
/// that need no scores (`full`, `random`, and the full-width IG baseline) → histograms on the edges cut
/// from the merged ranges, IG over utterance ranges with the baseline model, and the grid of every method
/// whose scores are complete → the grid of `mis-hist` and `ig` → report.
public struct ScanGraph {
    /// The catalog facts.
    public let catalog: CatalogResult
    /// The spec.
    public var spec: ScanSpec { catalog.spec }
    /// Embedding width D.
    public var dimension: Int { catalog.dataset.dimension }
    /// The methods asked for.
    public var methods: Set<ScanSpec.Method> { Set(spec.selection.methods) }

    /// The graph of `catalog`.
    public init(catalog: CatalogResult) { self.catalog = catalog }

    /// (shard, utterance range) pieces of the statistics and IG passes: every clean shard with train
    /// utterances, cut into `cluster.utterances_per_task` ranges.
    public var utteranceRanges: [(shard: String, range: Range<Int>)] {
        var pieces = [(shard: String, range: Range<Int>)]()
        let step = spec.cluster.utterancesPerTask
        for shard in catalog.cleanShards where shard.trainUtterances > 0 {
            var start = 0
            while start < shard.utterances {
                pieces.append((shard.file, start..<min(shard.utterances, start + step)))
                start += step
            }
        }
        return pieces
    }

    /// Dimension blocks of the KSG tasks.
    public var dimensionBlocks: [Range<Int>] {
        stride(from: 0, to: dimension, by: spec.cluster.dimensionBlock).map {
            $0..<min(dimension, $0 + spec.cluster.dimensionBlock)
        }
    }

    /// Whether statistics pass A runs (some method needs moments, covariance or ranges).
    public var needsPassA: Bool { methods.contains { !$0.traits.passA.isEmpty } }

    /// Pass A tasks.
    public func passATasks() throws -> [PlannedTask] {
        guard needsPassA else { return [] }
        return try utteranceRanges.map { piece in
            try PlannedTask(ScanTaskKind.statistics, statisticsTask(piece.shard, piece.range, histogramBins: nil))
        }
    }

    /// Pass B (histogram) tasks on the edges cut from `range`.
    public func passBTasks(range: RangePartial) throws -> [PlannedTask] {
        guard methods.any(\.histogramPass) else { return [] }
        return try utteranceRanges.map { piece in
            try PlannedTask(
                ScanTaskKind.statistics, statisticsTask(piece.shard, piece.range, histogramBins: spec.mis.bins),
                arrays: [range.serialized()])
        }
    }

    func statisticsTask(_ shard: String, _ range: Range<Int>, histogramBins: Int?) -> StatisticsTask {
        var task = StatisticsTask(
            dataset: spec.dataset.directory, shard: shard, start: range.lowerBound, end: range.upperBound,
            pooling: spec.dataset.pooling, targetColumns: catalog.targetColumns,
            moments: histogramBins == nil && methods.need(.moments),
            covariance: histogramBins == nil && methods.need(.covariance),
            range: histogramBins == nil && methods.need(.ranges), histogramBins: histogramBins,
            binaryTargets: catalog.binary)
        task.layers = taskLayers
        if histogramBins == nil, ksgReadsPooledRows { task.pooledRows = true }
        if task.moments, let confidence = spec.confidence {
            task.replicates = confidence.replicates
            task.bootstrapSeed = confidence.seed
        }
        return task
    }

    /// Whether the KSG tasks estimate MI from the train rows pass A pooled (each pass A task returns its
    /// piece's rows) instead of each reading every frame of the dataset for its block: the statistics phase
    /// then reads the data once, not twice. Only with utterance pooling (frame pooling's rows are the frames),
    /// a dataset of one layer, and rows that stay under `ScanDefaults.pooledRowsLimitBytes` in all and under
    /// `pooledRowsMessageLimitBytes` per message.
    public var ksgReadsPooledRows: Bool {
        guard needsPassA, methods.any(\.dimensionBlocks), spec.dataset.pooling == .utterance, taskLayers == nil
        else { return false }
        let bytesPerValue = MemoryLayout<Double>.stride
        let extra = catalog.targetColumns.count + 1
        let train = catalog.cleanShards.reduce(0) { $0 + $1.trainUtterances }
        let widestBlock = min(dimension, spec.cluster.dimensionBlock)
        return train * (dimension + extra) * bytesPerValue <= ScanDefaults.pooledRowsLimitBytes
            && train * (widestBlock + extra) * bytesPerValue <= ScanDefaults.pooledRowsMessageLimitBytes
            && spec.cluster.utterancesPerTask * (dimension + extra) * bytesPerValue
                <= ScanDefaults.pooledRowsMessageLimitBytes
    }

    /// KSG tasks: with `ksgReadsPooledRows`, each carrying its block of `pooled` (nil: made without rows,
    /// as they are only to be recognised as done); otherwise reading the frames.
    public func ksgTasks(pooled: Observations? = nil) throws -> [PlannedTask] {
        guard methods.any(\.dimensionBlocks) else { return [] }
        return try dimensionBlocks.map { block in
            var task = KSGTask(
                dataset: spec.dataset.directory, start: block.lowerBound, end: block.upperBound,
                pooling: spec.dataset.pooling, targetColumns: catalog.targetColumns,
                neighbours: spec.mis.neighbours, noiseSeed: ScanDefaults.ksgNoiseSeed)
            task.layers = taskLayers
            if spec.carriesReplicates(.mis), let confidence = spec.confidence {
                task.replicates = confidence.replicates
                task.bootstrapSeed = confidence.seed
            }
            guard ksgReadsPooledRows else { return try PlannedTask(ScanTaskKind.ksg, task) }
            task.carriesRows = true
            return try PlannedTask(
                ScanTaskKind.ksg, task, arrays: pooled.map { [$0.columns(block).serialized()] } ?? [])
        }
    }

    /// The IG baseline's grid cell: the full-width decoder with the first seed and label-variance mode (in a
    /// layered scan with the mix, the learned weighted sum, so IG attributes every (layer, dimension)
    /// through the model that weighs the layers).
    public var baselineKey: String {
        TrainTask.key(
            method: .full, rule: trainsMix ? .mix : .full, seed: spec.training.seeds[0],
            labelVariance: catalog.labelVariance[0])
    }

    /// IG tasks for the baseline model at `modelPath` (as the spec's output directory gives it, plus the
    /// model's path; workers resolve it under their output root).
    public func igTasks(modelPath: String) throws -> [PlannedTask] {
        guard methods.any(\.attribution) else { return [] }
        return try utteranceRanges.map { piece in
            var task = IGTask(
                dataset: spec.dataset.directory, shard: piece.shard, start: piece.range.lowerBound,
                end: piece.range.upperBound, modelPath: modelPath, steps: spec.ig.steps,
                method: spec.ig.method, outputs: Array(0..<catalog.targetColumns.count))
            task.layers = taskLayers
            if spec.carriesReplicates(.ig), let confidence = spec.confidence {
                task.replicates = confidence.replicates
                task.bootstrapSeed = confidence.seed
            }
            return try PlannedTask(ScanTaskKind.ig, task)
        }
    }

    /// The selections of `method` given its scores (nil for `full` and `random`, which need none):
    /// top ratios, then thresholds for the scoring methods; PCA keeps the leading k components.
    ///
    /// `stable` gives, per dimension, the fraction of bootstrap replicates whose `mean` rule keeps it: the
    /// `stable:π` thresholds keep those at least π, and are left out for a method without replicates.
    public func selections(
        of method: ScanSpec.Method, scores: [Double]?, seed: Int, stable: [Double]? = nil
    ) throws -> [ScanResults.Selection] {
        if isLayered { return try layeredSelections(of: method, scores: scores, seed: seed, stable: stable) }
        let ratios = spec.selection.ratios
        switch method.traits.selection {
        case .full:
            return [ScanResults.Selection(method: method, rule: .full, k: dimension, indices: Array(0..<dimension))]
        case .random:
            return try ratios.map { ratio in
                let k = Selection.count(ratio: ratio, dimensions: dimension)
                let indices = try Selection.select(
                    [Double](repeating: 0, count: dimension), rule: .random(count: k, seed: UInt64(seed)))
                return ScanResults.Selection(method: method, rule: .ratio(ratio), seed: seed, k: k, indices: indices)
            }
        case .components:
            return ratios.map { ratio in
                let k = Selection.count(ratio: ratio, dimensions: dimension)
                return ScanResults.Selection(method: method, rule: .ratio(ratio), k: k, indices: Array(0..<k))
            }
        case .scores:
            guard let scores else { return [] }
            let out = try ratios.map { ratio -> ScanResults.Selection in
                let indices = try Selection.select(scores, rule: .topRatio(ratio))
                return ScanResults.Selection(method: method, rule: .ratio(ratio), k: indices.count, indices: indices)
            }
            return out + (try thresholdSelections(of: method, scores: scores, stable: stable))
        }
    }

    /// The threshold selections of a method with scores (`stable:π` only with replicates), over every column.
    func thresholdSelections(of method: ScanSpec.Method, scores: [Double], stable: [Double]?) throws
        -> [ScanResults.Selection]
    {
        var out = [ScanResults.Selection]()
        for rule in spec.selection.thresholds {
            let indices: [Int]
            if let score = Self.scoreThreshold(rule) {
                indices = try Selection.select(scores, rule: .threshold(score))
            } else if case .stable(let pi) = rule, let stable {
                indices = Selection.stable(probabilities: stable, fraction: pi)
            } else {
                continue
            }
            guard !indices.isEmpty else { continue }
            out.append(
                ScanResults.Selection(method: method, rule: .threshold(rule), k: indices.count, indices: indices))
        }
        return out
    }

    /// Saliency's threshold for a spec's rule; nil for `stable:π`, which is a rule on replicates, not on scores.
    static func scoreThreshold(_ rule: ScanSpec.Threshold) -> ScoreThreshold? {
        switch rule {
        case .stable: return nil
        case .mean: return .mean
        case .median: return .median
        case .percentile(let p): return .percentile(p)
        case .scaledMean(let c): return .scaledMean(c)
        }
    }

    /// The train tasks of one selection: one per seed and label-variance mode (random selections are
    /// per seed, so they carry theirs). PCA's carry the projection.
    public func trainTasks(_ selection: ScanResults.Selection, projection: PCAProjection? = nil) throws
        -> [PlannedTask]
    {
        let seeds = selection.seed.map { [$0] } ?? spec.training.seeds
        var tasks = [PlannedTask]()
        for seed in seeds {
            for mode in catalog.labelVariance {
                let body = TrainTask(
                    dataset: spec.dataset.directory, method: selection.method, rule: selection.rule,
                    columns: selection.method == .pca ? [] : selection.indices, k: selection.k, seed: seed,
                    labelVariance: mode, targetColumns: catalog.targetColumns,
                    conditions: Array(catalog.dataset.conditions.dropFirst()), decoder: spec.decoder,
                    training: spec.training, outputDirectory: spec.output.directory,
                    isIGBaseline: false, projected: projection != nil)
                var withBaseline = body
                withBaseline.layers = taskLayers
                if selection.rule == .mix { withBaseline.layerMix = layers.count }
                if case .inLayer(_, .full) = selection.rule {
                    // The probe: a short training of a decoder on the whole layer.
                    withBaseline.training.epochs = spec.layerSettings.probeEpochs
                }
                withBaseline.isIGBaseline = methods.any(\.attribution) && body.key == baselineKey
                let arrays = projection.map { [DoubleBytes.encode($0.mean), DoubleBytes.encode($0.components)] } ?? []
                // Grid tasks prefer a machine whose column cache already holds the dataset.
                tasks.append(
                    try PlannedTask(
                        ScanTaskKind.train, withBaseline, arrays: arrays, affinity: "dataset:\(body.dataset)"))
            }
        }
        return tasks
    }
}

/// A task of the graph with its key (to tell whether it is done).
public struct PlannedTask {
    /// The task's key.
    public var key: String
    /// The task as the cluster runs it.
    public var task: TaskSpec
    /// For a train task: what the model it trains depends on (columns, seed, mode; nil for a projection),
    /// so that two grid cells asking for the same model train it once.
    public var trainingIdentity: String?

    /// A task of `kind` with `body` and `arrays`, preferring workers that hold the data `affinity` names.
    public init<Body: ScanTaskBody>(
        _ kind: String, _ body: Body, arrays: [[UInt8]] = [], affinity: String? = nil
    ) throws {
        key = body.key
        task = TaskSpec(kind: kind, payload: try ScanCoding.payload(body, arrays: arrays), affinity: affinity)
        if let train = body as? TrainTask, !train.projected {
            // The mix and the probe's epochs change the model, so they are part of what it depends on.
            trainingIdentity =
                "\(train.dataset)|\(train.seed)|\(train.labelVariance.rawValue)|"
                + train.columns.map(String.init).joined(separator: ",")
                + (train.layerMix.map { "|mix\($0)" } ?? "") + "|epochs\(train.training.epochs)"
                + (train.layers.map { "|layers" + $0.map(String.init).joined(separator: ".") } ?? "")
        }
    }
}
