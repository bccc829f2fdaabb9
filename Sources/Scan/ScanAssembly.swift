import Attribution
import Foundation
import Saliency

/// Turns a scan's progress into ``ScanResults``: score curves, selections, models and phase counts. Used by
/// the planner (for the report task) and by `salience report` (from the ledger, also mid-run).
public enum ScanAssembly {
    /// The results of `progress` for run `runID` with the given status and failed tasks. Before the catalog
    /// has finished, `spec` (when known) describes the run.
    public static func results(
        _ progress: ScanProgress, runID: String, status: ScanResults.RunStatus, failedTasks: [ScanResults.FailedTask],
        finishedAt: Date?, spec fallbackSpec: ScanSpec? = nil, startedAt fallbackStart: Date? = nil,
        scores known: ScanScores = ScanScores(), planned: ScanPlanner.Pending? = nil
    ) throws -> ScanResults {
        guard let catalog = progress.catalog else {
            let spec = fallbackSpec ?? ScanSpec(datasetDirectory: "unknown")
            let run = ScanResults.Run(
                id: runID, spec: spec,
                dataset: ScanResults.DatasetSummary(
                    directory: spec.dataset.directory, task: "unknown", targets: [], conditions: ["clean"],
                    dimension: 0),
                startedAt: fallbackStart ?? Date(timeIntervalSince1970: 0), finishedAt: finishedAt, status: status,
                phases: [ScanResults.Phase(name: "catalog", state: status == .failed ? .failed : .pending)],
                failedTasks: failedTasks)
            return ScanResults(run: run)
        }
        let graph = ScanGraph(catalog: catalog)
        let scores = try progress.scores(graph, reusing: known)
        let spec = catalog.spec
        var curves = [ScanResults.ScoreCurve]()
        var selections = [ScanResults.Selection]()
        for method in spec.selection.methods {
            let traits = method.traits
            if traits.selection == .random {
                for seed in spec.training.seeds {
                    selections += try graph.selections(of: method, scores: nil, seed: seed)
                }
                continue
            }
            guard let quantity = traits.quantity else {
                selections += try graph.selections(of: method, scores: nil, seed: 0)
                continue
            }
            guard let curve = scores.curve(method, quantity: quantity, targets: catalog.dataset.targets) else {
                continue
            }
            curves.append(curve)
            selections += try graph.selections(
                of: method, scores: traits.selection == .scores ? curve.mean : nil, seed: 0,
                stable: try scores.stableProbabilities(method))
        }
        // The planner passes what it just planned; other callers (reports from the ledger) plan here, once.
        let pending = try planned ?? ScanPlanner.pendingTasks(progress, graph: graph, scores: scores)
        let models = (progress.models + (try sharedModels(progress, pending: pending))).sorted {
            ($0.method, $0.rule, $0.seed, $0.labelVariance) < ($1.method, $1.rule, $1.seed, $1.labelVariance)
        }
        let run = ScanResults.Run(
            id: runID, spec: spec, dataset: catalog.dataset, startedAt: catalog.submittedAt, finishedAt: finishedAt,
            status: status,
            phases: phases(progress, graph: graph, status: status, shared: models.count(where: \.isShared)),
            failedTasks: failedTasks)
        // Fused systems by method, mode, then seed; absent (nil) without `[fusion]`, so such results are unchanged.
        let fusions = spec.fusion.map { _ in
            progress.fusions.sorted {
                ($0.method, $0.labelVariance, $0.seed) < ($1.method, $1.labelVariance, $1.seed)
            }
        }
        var results = ScanResults(
            run: run, scoreCurves: curves, selections: selections, models: models, fusions: fusions)
        results.confidence = try confidence(spec: spec, curves: curves, scores: scores)
        results.layers = layerAnalysis(
            graph: graph, curves: curves, selections: selections, models: models, metric: results.primaryMetric)
        return results
    }

    /// The cells whose model another cell trained (``ScanPlanner/sharedTraining``), each as a copy of that
    /// model's result under the cell's own method, rule and seed, once that model is done.
    static func sharedModels(_ progress: ScanProgress, pending: ScanPlanner.Pending) throws
        -> [TrainedModelResult]
    {
        guard !pending.aliases.isEmpty else { return [] }
        var trained: [String: TrainedModelResult] = [:]
        for model in progress.models {
            trained[
                TrainTask.key(
                    method: model.method, rule: model.rule, seed: model.seed, labelVariance: model.labelVariance)] =
                model
        }
        var shared: [TrainedModelResult] = []
        for task in pending.ready {
            guard let trainerKey = pending.aliases[task.key], let trainer = trained[trainerKey] else { continue }
            let body = try ScanCoding.decode(TrainTask.self, from: task.task.payload, what: "scan.train task")
            var copy = trainer
            copy.taskId = nil
            copy.method = body.method
            copy.rule = body.rule
            copy.k = body.k
            copy.sameModelAs = "\(trainer.method.rawValue):\(trainer.rule)"
            // The cell read nothing of its own: the trainer's reads are counted once, with the trainer.
            copy.bytesFromDataRoot = 0
            copy.bytesFromCache = 0
            shared.append(copy)
        }
        return shared
    }

    /// The bootstrap confidence of the scores (with `[confidence]`, once the replicates are complete): every
    /// method with one score per dimension joins the agreement; the rules are the spec's.
    static func confidence(spec: ScanSpec, curves: [ScanResults.ScoreCurve], scores: ScanScores) throws
        -> ScanResults.Confidence?
    {
        guard let settings = spec.confidence, settings.isOn else { return nil }
        let points = curves.filter { $0.method.traits.selection == .scores }.map { ($0.method, $0.mean) }
        var replicates = [ScanSpec.Method: ScoreReplicates]()
        for (method, _) in points { if let bootstrap = scores.replicates(method) { replicates[method] = bootstrap } }
        guard !replicates.isEmpty else { return nil }
        return try ConfidenceAssembly.confidence(
            replicates: replicates, points: points,
            rules: ConfidenceAssembly.rules(ratios: spec.selection.ratios, thresholds: spec.selection.thresholds),
            settings: BootstrapSettings(replicates: settings.replicates, seed: settings.seed),
            notCovered: spec.replicateGaps(
                spec.selection.methods.filter { $0.hasScores && replicates[$0] == nil }))
    }

    /// Population standard deviation across targets, per dimension.
    static func spread(_ perTarget: [[Double]]) -> [Double] {
        let count = Double(perTarget.count)
        return perTarget[0].indices.map { d in
            let mean = perTarget.reduce(0) { $0 + $1[d] } / count
            return (perTarget.reduce(0) { $0 + ($1[d] - mean) * ($1[d] - mean) } / count).squareRoot()
        }
    }

    /// Phase records with done/total counts (totals of the grid are known once the scores are).
    static func phases(_ progress: ScanProgress, graph: ScanGraph, status: ScanResults.RunStatus, shared: Int = 0)
        -> [ScanResults.Phase]
    {
        let pieces = graph.utteranceRanges.count
        let methods = graph.methods
        let statisticsTotal = graph.statisticsTaskCount
        let statisticsDone = progress.statisticsA + progress.statisticsB + progress.ksgBlocks.count
        let gridTotal = max(progress.models.count + shared, graph.modelCount)
        func phase(_ name: String, done: Int, total: Int, seconds: Double? = nil) -> ScanResults.Phase {
            let state: ScanResults.PhaseState =
                done >= total ? .done : status == .failed ? .failed : done > 0 ? .running : .pending
            let timing = progress.phaseTimings[name]
            var phase = ScanResults.Phase(
                name: name, state: state, startedAt: timing?.startedAt,
                finishedAt: state == .done ? timing?.finishedAt : nil, tasksDone: done, tasksTotal: total,
                taskSeconds: timing?.taskSeconds ?? seconds)
            // Bytes only for phases that read (catalog and report read headers, not frames).
            if let timing, timing.reads != TaskReads() {
                phase.bytesFromDataRoot = timing.reads.bytesFromDataRoot
                phase.bytesFromCache = timing.reads.bytesFromCache
                phase.workers = timing.workers.values.sorted { $0.worker < $1.worker }
            }
            return phase
        }
        var out = [phase("catalog", done: 1, total: 1)]
        if statisticsTotal > 0 { out.append(phase("statistics", done: statisticsDone, total: statisticsTotal)) }
        if methods.any(\.attribution) { out.append(phase("ig", done: progress.igTasks, total: pieces)) }
        out.append(
            phase(
                "grid", done: progress.models.count + shared, total: gridTotal,
                seconds: progress.models.reduce(0) { $0 + $1.secondsTotal }))
        if graph.fuseTaskCount > 0 {
            out.append(
                phase(
                    "fusion", done: progress.fusions.count, total: graph.fuseTaskCount,
                    seconds: progress.fusions.reduce(0) { $0 + $1.seconds }))
        }
        out.append(phase("report", done: progress.reported ? 1 : 0, total: 1))
        return out
    }
}
