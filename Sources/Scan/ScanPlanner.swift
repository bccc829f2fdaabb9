import Attribution
import Cluster
import Foundation
import Saliency

/// The scores a scan's finished tasks give, each present only once every task it needs has finished.
public struct ScanScores {
    /// CCS from the merged moments.
    public var ccs: DimensionScores?
    /// KSG MI from every dimension block.
    public var mis: DimensionScores?
    /// Histogram MI from the merged joint histograms.
    public var misHist: DimensionScores?
    /// PCA from the merged covariance.
    public var pca: PrincipalComponents?
    /// IG statistics merged over every utterance range.
    public var ig: AttributionStatistics?
    /// CCS on every bootstrap replicate (with `[confidence]`), once the moments are complete.
    public var ccsReplicates: ScoreReplicates?
    /// IG's score on every bootstrap replicate (with `[confidence]`), once every IG task is in.
    public var igReplicates: ScoreReplicates?
    /// KSG on every replicate's subsample, centred on the point (with `[confidence]` and `mis` resampled).
    public var misReplicates: ScoreReplicates?

    /// No scores yet.
    public init() {}

    /// The score curve of a method with scores (nil until its scores are complete): its per-dimension
    /// mean (what selections rank), the spread it has, for IG the signed mean, and per target (named by
    /// `targets`, the dataset's targets in score order) where the method scores each target. The one place a
    /// method's scores are read; the rest of what a method is lives in ``ScanSpec/Method/traits``.
    public func curve(_ method: ScanSpec.Method, quantity: String, targets: [String] = []) -> ScanResults.ScoreCurve? {
        func perDimension(_ scores: DimensionScores?) -> ScanResults.ScoreCurve? {
            guard let scores else { return nil }
            let several = scores.perTarget.count > 1
            // Named only when the names line up with the score rows; unnamed rows would mislead a reader.
            let named =
                targets.count == scores.perTarget.count
                ? zip(targets, scores.perTarget).map { ScanResults.TargetScores(target: $0, scores: $1) } : nil
            return ScanResults.ScoreCurve(
                method: method, quantity: quantity, mean: scores.mean,
                std: several ? ScanAssembly.spread(scores.perTarget) : nil, stdAcross: several ? "targets" : nil,
                perTarget: named)
        }
        switch method {
        case .ccs: return perDimension(ccs)
        case .mis: return perDimension(mis)
        case .misHist: return perDimension(misHist)
        case .ig:
            guard let ig else { return nil }
            return ScanResults.ScoreCurve(
                method: .ig, quantity: quantity, mean: ig.meanAbsolute, std: ig.standardDeviation,
                stdAcross: "utterances", signedMean: ig.signedMean)
        case .pca:
            return pca.map { ScanResults.ScoreCurve(method: .pca, quantity: quantity, mean: $0.explainedRatio) }
        case .random, .full: return nil
        }
    }

    /// The per-dimension score vector selections use, for a method with scores.
    public func vector(_ method: ScanSpec.Method) -> [Double]? {
        method.traits.quantity.flatMap { curve(method, quantity: $0)?.mean }
    }

    /// The bootstrap replicates of a method's scores, for the methods that have them.
    public func replicates(_ method: ScanSpec.Method) -> ScoreReplicates? {
        switch method {
        case .ccs: return ccsReplicates
        case .ig: return igReplicates
        case .mis: return misReplicates
        default: return nil
        }
    }

    /// Per dimension, the fraction of replicates whose `Selection.stableBaseRule` keeps it: what the
    /// `stable:π` rules select from (nil for a method without replicates).
    public func stableProbabilities(_ method: ScanSpec.Method) throws -> [Double]? {
        try replicates(method)?.selectionProbabilities(Selection.stableBaseRule)
    }
}

extension ScanProgress {
    /// The scores that are complete, given the graph's task counts. A score in `known` (computed at an
    /// earlier phase boundary of the same run) is kept as it is: once its inputs are complete they do not
    /// change, so PCA's eigen-decomposition and the histogram MI run once per run, not once per phase.
    public func scores(_ graph: ScanGraph, reusing known: ScanScores = ScanScores()) throws -> ScanScores {
        var scores = known
        let pieces = graph.utteranceRanges.count
        if graph.needsPassA && statisticsA == pieces {
            if scores.ccs == nil, let moments { scores.ccs = try CrossCorrelationSaliency.scores(moments) }
            if scores.ccsReplicates == nil, let ccs = scores.ccs, let bootstrapMoments {
                scores.ccsReplicates = try ScoreReplicates.ccs(point: ccs, bootstrap: bootstrapMoments)
            }
            if scores.pca == nil, let covariance { scores.pca = try PrincipalComponents(covariance: covariance) }
        }
        let blocks = graph.dimensionBlocks
        if scores.mis == nil, graph.methods.any(\.dimensionBlocks),
            blocks.allSatisfy({ ksgBlocks[$0.lowerBound] != nil })
        {
            scores.mis = try DimensionScores.concatenating(blocks.compactMap { ksgBlocks[$0.lowerBound] })
        }
        if scores.misReplicates == nil, let mis = scores.mis {
            // Every block's subsample scores, joined replicate by replicate in block order.
            let parts = blocks.compactMap { ksgReplicateBlocks[$0.lowerBound] }
            if parts.count == blocks.count, let count = parts.first?.count, count >= 2,
                parts.allSatisfy({ $0.count == count })
            {
                scores.misReplicates = try ScoreReplicates.subsampled(
                    method: KSGMutualInformation.method, point: mis.mean,
                    subsamples: (0..<count).map { b in parts.flatMap { $0[b] } })
            }
        }
        if scores.misHist == nil, graph.methods.any(\.histogramPass), statisticsB == pieces, let histogram {
            scores.misHist = try HistogramMutualInformation.scores(histogram, millerMadow: graph.spec.mis.millerMadow)
        }
        if scores.ig == nil, graph.methods.any(\.attribution), igTasks == pieces, let attribution {
            scores.ig = attribution
        }
        if scores.igReplicates == nil, let ig = scores.ig, let attributionReplicates {
            scores.igReplicates = try ScoreReplicates(
                method: ScanSpec.Method.ig.rawValue, point: ig.meanAbsolute, replicates: attributionReplicates.allScores
            )
        }
        return scores
    }
}

/// The scan planner (registered as `scan`): a dataflow over the graph of ``ScanGraph``. Phase 0 is the
/// catalog task the submitter sends; after each phase, the next is every task whose inputs are now complete
/// and that has not run yet (so the grid of CCS runs beside the histogram pass and IG), then the report,
/// then nothing.
///
/// What it plans is a function of the phases' results alone, so a re-plan after a coordinator restart gives
/// the same tasks. It keeps, per run, the progress folded so far and the scores already computed
/// (``PlannerMemory``), so a phase boundary decodes and merges only the phase that just finished; after a
/// restart (or any history it has not seen grow one phase at a time) it folds everything again.
public struct ScanPlanner: RunPlanner {
    /// The name runs ask for.
    public static let name = "scan"

    /// What this planner remembers between phases.
    public let memory: PlannerMemory

    /// The planner.
    public init(memory: PlannerMemory = PlannerMemory()) { self.memory = memory }

    /// Checks the submission: exactly one `scan.catalog` task whose spec is valid on its own.
    public func firstPhase(of run: RunContext, submitted: [TaskSpec]) throws -> [TaskSpec] {
        guard submitted.count == 1, let task = submitted.first, task.kind == ScanTaskKind.catalog else {
            throw ScanError.malformedPayload(
                what: "scan submission", reason: "expected one \(ScanTaskKind.catalog) task, got \(submitted.count)")
        }
        let body = try ScanCoding.decode(CatalogTask.self, from: task.payload, what: "scan.catalog task")
        let problems = body.spec.validate()
        guard problems.isEmpty else { throw ScanSpecError.invalid(source: "submitted spec", problems: problems) }
        return submitted
    }

    /// The scan's parts as the report names them, with their final task counts (once the catalog is in).
    public func progressGroups(run: String) -> [ProgressGroup]? { memory.progressGroups(run: run) }

    /// The next ready tasks, the report, or nothing.
    public func nextPhase(after phase: Int, of run: RunContext, results: [PhaseResult]) throws -> [TaskSpec] {
        try nextPhase(after: phase, of: run, newest: PhaseResults(results))
    }

    /// The next ready tasks, the report, or nothing; the newest phase's results are read only if they were
    /// not all folded as they arrived.
    public func nextPhase(after phase: Int, of run: RunContext, newest: PhaseResults) throws -> [TaskSpec] {
        func records(_ phase: [PhaseResult]) -> [ScanRecord] {
            phase.map { ScanRecord(kind: $0.kind, result: $0.result) }
        }
        return try memory.plan(
            run: run.id, counts: run.earlierPhaseCounts + [newest.count],
            newest: { records(try newest.load()) },
            history: { try (run.earlierPhases + [newest.load()]).map(records) })
    }

    /// Folds the result into the run's progress now, so the phase's boundary has nothing left to merge.
    public func resultAccepted(run: String, phase: Int, result: PhaseResult) {
        memory.accept(
            run: run, phase: phase, index: result.index, record: ScanRecord(kind: result.kind, result: result.result))
    }

    /// Forgets the run.
    public func runEnded(run: String) { memory.forget(run: run) }

    /// The tasks to run next given what has finished (every score computed afresh).
    public static func plan(_ progress: ScanProgress, runID: String) throws -> [TaskSpec] {
        try plan(progress, runID: runID, scores: nil).tasks
    }

    /// The tasks to run next given what has finished, reusing `scores` already computed for this run;
    /// returns the scores as they now stand too.
    static func plan(
        _ progress: ScanProgress, runID: String, scores known: ScanScores?
    ) throws -> (tasks: [TaskSpec], scores: ScanScores) {
        guard let catalog = progress.catalog else {
            throw ScanError.inconsistentResults("the catalog task has no result")
        }
        let graph = ScanGraph(catalog: catalog)
        let scores = try progress.scores(graph, reusing: known ?? ScanScores())
        let pending = try pendingTasks(progress, graph: graph, scores: scores)
        let ready = pending.ready.filter { !progress.done.contains($0.key) && pending.aliases[$0.key] == nil }
        if !ready.isEmpty { return (ready.map(\.task), scores) }
        guard pending.waiting == 0 else {
            throw ScanError.inconsistentResults("\(pending.waiting) task group(s) wait for inputs that cannot come")
        }
        if progress.reported { return ([], scores) }
        let results = try ScanAssembly.results(
            progress, runID: runID, status: .succeeded, failedTasks: [], finishedAt: progress.lastFinishedAt,
            scores: scores, planned: pending)
        let report = try PlannedTask(
            ScanTaskKind.report, ReportTask(results: results, outputDirectory: catalog.spec.output.directory))
        return ([report.task], scores)
    }

    /// What `pendingTasks` found: every ready task (done or not), the groups still waiting, and the train
    /// tasks another task's model serves (alias key -> the key that trains it).
    public typealias Pending = (ready: [PlannedTask], waiting: Int, aliases: [String: String])

    /// Every task whose inputs are complete (done or not), how many groups still wait for inputs, and the
    /// train tasks not to run because another cell's task trains the same model (alias key -> that key).
    static func pendingTasks(
        _ progress: ScanProgress, graph: ScanGraph, scores: ScanScores
    ) throws -> Pending {
        let (ready, waiting) = try unsharedPendingTasks(progress, graph: graph, scores: scores)
        let aliases = sharedTraining(ready, done: progress.done, baseline: graph.baselineKey)
        guard graph.spec.fusion != nil else { return (ready, waiting, aliases) }
        // Fusion comes after its members' models, which may be another cell's (shared training).
        var trained: [String: TrainedModelResult] = [:]
        for model in progress.models {
            trained[
                TrainTask.key(
                    method: model.method, rule: model.rule, seed: model.seed, labelVariance: model.labelVariance)] =
                model
        }
        let fuse = try graph.fuseTasks(trained: trained, aliases: aliases)
        return (ready + fuse.ready, waiting + fuse.waiting, aliases)
    }

    /// Train tasks that would train a model another task already trains (the same columns, seed and mode:
    /// ratio 1.0 of every method is the full-width model), each mapped to the key of the one that trains it.
    /// A task already done is preferred as the trainer, then the first in plan order, so the answer does not
    /// change as later phases add tasks; the IG baseline is always trained under its own key.
    static func sharedTraining(_ tasks: [PlannedTask], done: Set<String>, baseline: String) -> [String: String] {
        var trainer: [String: String] = [:]
        for task in tasks where done.contains(task.key) {
            if let identity = task.trainingIdentity, trainer[identity] == nil { trainer[identity] = task.key }
        }
        var aliases: [String: String] = [:]
        for task in tasks {
            guard let identity = task.trainingIdentity else { continue }
            if let key = trainer[identity] {
                if key != task.key, !done.contains(task.key), task.key != baseline { aliases[task.key] = key }
            } else {
                trainer[identity] = task.key
            }
        }
        return aliases
    }

    /// Every task whose inputs are complete (done or not), and how many groups still wait for inputs.
    static func unsharedPendingTasks(
        _ progress: ScanProgress, graph: ScanGraph, scores: ScanScores
    ) throws -> (ready: [PlannedTask], waiting: Int) {
        var ready = [PlannedTask]()
        var waiting = 0
        let spec = graph.spec
        let methods = graph.methods
        ready += try graph.passATasks()
        if !graph.ksgReadsPooledRows {
            ready += try graph.ksgTasks()
        } else if progress.ksgComplete {
            ready += try graph.ksgTasks(pooled: nil)
        } else if progress.statisticsA == graph.utteranceRanges.count,
            let pooled = try progress.pooledRows(of: try graph.passATasks().map(\.key))
        {
            ready += try graph.ksgTasks(pooled: pooled)
        } else {
            waiting += 1
        }
        // Cells that need no scores: the full width (also as IG's baseline) and random draws.
        let full = methods.contains { $0.traits.selection == .full }
        if full || methods.any(\.attribution) {
            for selection in try graph.selections(of: .full, scores: nil, seed: 0) {
                var tasks = try graph.trainTasks(selection)
                if !full { tasks = tasks.filter { $0.key == graph.baselineKey } }
                ready += tasks
            }
        }
        for method in spec.selection.methods where method.traits.selection == .random {
            for seed in spec.training.seeds {
                for selection in try graph.selections(of: method, scores: nil, seed: seed) {
                    ready += try graph.trainTasks(selection)
                }
            }
        }
        if methods.any(\.histogramPass) {
            if let range = progress.range, graph.needsPassA, progress.statisticsA == graph.utteranceRanges.count {
                ready += try graph.passBTasks(range: range)
            } else {
                waiting += 1
            }
        }
        if methods.any(\.attribution) {
            if let baseline = progress.models.first(where: {
                TrainTask.key(method: $0.method, rule: $0.rule, seed: $0.seed, labelVariance: $0.labelVariance)
                    == graph.baselineKey
            }), let path = baseline.modelPath {
                // As the spec says it (relative or absolute): the IG worker resolves it under its output root.
                ready += try graph.igTasks(modelPath: spec.output.directory + "/" + path)
            } else {
                waiting += 1
            }
        }
        for method in spec.selection.methods where method.hasScores {
            if method.traits.selection == .components {
                guard let pca = scores.pca else {
                    waiting += 1
                    continue
                }
                for selection in try graph.selections(of: method, scores: nil, seed: 0) {
                    ready += try graph.trainTasks(selection, projection: try pca.projection(components: selection.k))
                }
            } else {
                guard let vector = scores.vector(method) else {
                    waiting += 1
                    continue
                }
                let stable = try scores.stableProbabilities(method)
                for selection in try graph.selections(of: method, scores: vector, seed: 0, stable: stable) {
                    ready += try graph.trainTasks(selection)
                }
            }
        }
        return (ready, waiting)
    }
}
