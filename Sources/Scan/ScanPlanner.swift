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

    /// The per-dimension score vector selections use, for a scoring method.
    public func vector(_ method: ScanSpec.Method) -> [Double]? {
        switch method {
        case .ccs: return ccs?.mean
        case .mis: return mis?.mean
        case .misHist: return misHist?.mean
        case .ig: return ig?.meanAbsolute
        case .pca: return pca?.explainedRatio
        case .random, .full: return nil
        }
    }
}

extension ScanProgress {
    /// The scores that are complete, given the graph's task counts.
    public func scores(_ graph: ScanGraph) throws -> ScanScores {
        var scores = ScanScores()
        let pieces = graph.utteranceRanges.count
        if graph.needsPassA && statisticsA == pieces {
            if let moments { scores.ccs = try CrossCorrelationSaliency.scores(moments) }
            if let covariance { scores.pca = try PrincipalComponents(covariance: covariance) }
        }
        let blocks = graph.dimensionBlocks
        if graph.methods.contains(.mis), blocks.allSatisfy({ ksgBlocks[$0.lowerBound] != nil }) {
            scores.mis = try DimensionScores.concatenating(blocks.compactMap { ksgBlocks[$0.lowerBound] })
        }
        if graph.methods.contains(.misHist), statisticsB == pieces, let histogram {
            scores.misHist = try HistogramMutualInformation.scores(histogram, millerMadow: graph.spec.mis.millerMadow)
        }
        if graph.methods.contains(.ig), igTasks == pieces, let attribution { scores.ig = attribution }
        return scores
    }
}

/// The scan planner (registered as `scan`): a stateless dataflow over the graph of ``ScanGraph``. Phase 0
/// is the catalog task the submitter sends; after each phase, the next is every task whose inputs are now
/// complete and that has not run yet (so the grid of CCS runs beside the histogram pass and IG), then the
/// report, then nothing. The state is rebuilt from every phase's results each time, so a re-plan after a
/// coordinator restart gives the same tasks.
public struct ScanPlanner: RunPlanner {
    /// The name runs ask for.
    public static let name = "scan"

    /// The planner.
    public init() {}

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

    /// The next ready tasks, the report, or nothing.
    public func nextPhase(after phase: Int, of run: RunContext, results: [PhaseResult]) throws -> [TaskSpec] {
        let records = (run.earlierPhases + [results]).flatMap { phase in
            phase.map { ScanRecord(kind: $0.kind, result: $0.result) }
        }
        return try Self.plan(try ScanProgress(records: records), runID: run.id)
    }

    /// The tasks to run next given what has finished.
    public static func plan(_ progress: ScanProgress, runID: String) throws -> [TaskSpec] {
        guard let catalog = progress.catalog else {
            throw ScanError.inconsistentResults("the catalog task has no result")
        }
        let graph = ScanGraph(catalog: catalog)
        let pending = try pendingTasks(progress, graph: graph)
        let ready = pending.ready.filter { !progress.done.contains($0.key) }
        if !ready.isEmpty { return ready.map(\.task) }
        guard pending.waiting == 0 else {
            throw ScanError.inconsistentResults("\(pending.waiting) task group(s) wait for inputs that cannot come")
        }
        if progress.reported { return [] }
        let results = try ScanAssembly.results(
            progress, runID: runID, status: .succeeded, failedTasks: [], finishedAt: progress.lastFinishedAt)
        return [
            try PlannedTask(
                ScanTaskKind.report, ReportTask(results: results, outputDirectory: catalog.spec.output.directory)
            ).task
        ]
    }

    /// Every task whose inputs are complete (done or not), and how many groups still wait for inputs.
    static func pendingTasks(_ progress: ScanProgress, graph: ScanGraph) throws -> (ready: [PlannedTask], waiting: Int)
    {
        var ready = [PlannedTask]()
        var waiting = 0
        let spec = graph.spec
        let methods = graph.methods
        ready += try graph.passATasks()
        ready += try graph.ksgTasks()
        if methods.contains(.full) || methods.contains(.ig) {
            for selection in try graph.selections(of: .full, scores: nil, seed: 0) {
                var tasks = try graph.trainTasks(selection)
                if !methods.contains(.full) { tasks = tasks.filter { $0.key == graph.baselineKey } }
                ready += tasks
            }
        }
        if methods.contains(.random) {
            for seed in spec.training.seeds {
                for selection in try graph.selections(of: .random, scores: nil, seed: seed) {
                    ready += try graph.trainTasks(selection)
                }
            }
        }
        let scores = try progress.scores(graph)
        if methods.contains(.misHist) {
            if let range = progress.range, graph.needsPassA, progress.statisticsA == graph.utteranceRanges.count {
                ready += try graph.passBTasks(range: range)
            } else {
                waiting += 1
            }
        }
        if methods.contains(.ig) {
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
            if method == .pca {
                guard let pca = scores.pca else {
                    waiting += 1
                    continue
                }
                for selection in try graph.selections(of: .pca, scores: nil, seed: 0) {
                    ready += try graph.trainTasks(selection, projection: try pca.projection(components: selection.k))
                }
            } else {
                guard let vector = scores.vector(method) else {
                    waiting += 1
                    continue
                }
                for selection in try graph.selections(of: method, scores: vector, seed: 0) {
                    ready += try graph.trainTasks(selection)
                }
            }
        }
        return (ready, waiting)
    }
}
