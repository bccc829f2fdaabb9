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
        finishedAt: Date?, spec fallbackSpec: ScanSpec? = nil, startedAt fallbackStart: Date? = nil
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
        let scores = try progress.scores(graph)
        let spec = catalog.spec
        var curves = [ScanResults.ScoreCurve]()
        var selections = [ScanResults.Selection]()
        for method in spec.selection.methods {
            switch method {
            case .ccs, .mis, .misHist:
                let value: DimensionScores? = method == .ccs ? scores.ccs : method == .mis ? scores.mis : scores.misHist
                guard let value else { continue }
                curves.append(
                    ScanResults.ScoreCurve(
                        method: method, quantity: method == .ccs ? "mean |r| over targets" : "MI (nats)",
                        mean: value.mean, std: value.perTarget.count > 1 ? spread(value.perTarget) : nil,
                        stdAcross: value.perTarget.count > 1 ? "targets" : nil))
                selections += try graph.selections(of: method, scores: value.mean, seed: 0)
            case .ig:
                guard let statistics = scores.ig else { continue }
                curves.append(
                    ScanResults.ScoreCurve(
                        method: .ig, quantity: "mean |IG|", mean: statistics.meanAbsolute,
                        std: statistics.standardDeviation, stdAcross: "utterances",
                        signedMean: statistics.signedMean))
                selections += try graph.selections(of: .ig, scores: statistics.meanAbsolute, seed: 0)
            case .pca:
                guard let pca = scores.pca else { continue }
                curves.append(
                    ScanResults.ScoreCurve(method: .pca, quantity: "explained variance ratio", mean: pca.explainedRatio)
                )
                selections += try graph.selections(of: .pca, scores: nil, seed: 0)
            case .random:
                for seed in spec.training.seeds {
                    selections += try graph.selections(of: .random, scores: nil, seed: seed)
                }
            case .full:
                selections += try graph.selections(of: .full, scores: nil, seed: 0)
            }
        }
        let models = progress.models.sorted {
            ($0.method, $0.rule, $0.seed, $0.labelVariance) < ($1.method, $1.rule, $1.seed, $1.labelVariance)
        }
        let run = ScanResults.Run(
            id: runID, spec: spec, dataset: catalog.dataset, startedAt: catalog.submittedAt, finishedAt: finishedAt,
            status: status, phases: phases(progress, graph: graph, status: status), failedTasks: failedTasks)
        return ScanResults(run: run, scoreCurves: curves, selections: selections, models: models)
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
    static func phases(_ progress: ScanProgress, graph: ScanGraph, status: ScanResults.RunStatus)
        -> [ScanResults.Phase]
    {
        let pieces = graph.utteranceRanges.count
        let methods = graph.methods
        let statisticsTotal =
            (graph.needsPassA ? pieces : 0) + (methods.contains(.misHist) ? pieces : 0)
            + (methods.contains(.mis) ? graph.dimensionBlocks.count : 0)
        let statisticsDone = progress.statisticsA + progress.statisticsB + progress.ksgBlocks.count
        let seeds = graph.spec.training.seeds.count
        let modes = graph.catalog.labelVariance.count
        var cells = 0
        for method in methods {
            switch method {
            case .full: cells += 1
            case .random, .pca: cells += graph.spec.selection.ratios.count
            case .ccs, .mis, .misHist, .ig:
                cells += graph.spec.selection.ratios.count + graph.spec.selection.thresholds.count
            }
        }
        let gridTotal = max(
            progress.models.count, cells * seeds * modes + (methods.contains(.ig) && !methods.contains(.full) ? 1 : 0))
        func phase(_ name: String, done: Int, total: Int, seconds: Double? = nil) -> ScanResults.Phase {
            let state: ScanResults.PhaseState =
                done >= total ? .done : status == .failed ? .failed : done > 0 ? .running : .pending
            let timing = progress.phaseTimings[name]
            return ScanResults.Phase(
                name: name, state: state, startedAt: timing?.startedAt,
                finishedAt: state == .done ? timing?.finishedAt : nil, tasksDone: done, tasksTotal: total,
                taskSeconds: timing?.taskSeconds ?? seconds)
        }
        var out = [phase("catalog", done: 1, total: 1)]
        if statisticsTotal > 0 { out.append(phase("statistics", done: statisticsDone, total: statisticsTotal)) }
        if methods.contains(.ig) { out.append(phase("ig", done: progress.igTasks, total: pieces)) }
        out.append(
            phase(
                "grid", done: progress.models.count, total: gridTotal,
                seconds: progress.models.reduce(0) { $0 + $1.secondsTotal }))
        out.append(phase("report", done: progress.reported ? 1 : 0, total: 1))
        return out
    }
}
