import Cluster
import Foundation
import Logging
import Shards
import TestSupport
import XCTest

@testable import Scan
@testable import ScanModel

/// The planner driven in-process with the real executors (no cluster): what each phase holds, that
/// re-planning from the same results gives the same tasks, and that independent lanes share phases.
final class ScanPlannerTests: XCTestCase {
    func testPhasesOverlapIndependentLanesAndRePlanningIsDeterministic() throws {
        let scratch = try ScratchDirectory("salience-planner")
        defer { scratch.remove() }
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 120
        configuration.dimension = 10
        configuration.relevantDimensions = 4
        configuration.shards = 2
        try SyntheticDataset(configuration: configuration).write(to: scratch.path("syn"))

        var spec = ScanSpec(datasetDirectory: "syn", name: "planner")
        spec.selection.methods = [.ccs, .pca, .misHist, .ig, .full]
        spec.selection.ratios = [0.5]
        spec.selection.thresholds = []
        spec.decoder = ScanSpec.Decoder(
            kind: .gruFF, convChannels: 0, kernel: 0, gruUnits: 3, gruLayers: 1, ffUnits: 3, dropout: 0)
        spec.training.seeds = [1]
        spec.training.epochs = 1
        spec.training.labelVariance = [.off]
        spec.ig.steps = 2
        spec.cluster.utterancesPerTask = 30
        spec.output.directory = scratch.path("out").path

        let context = TaskContext(
            dataRoot: DataRoot(scratch.url), outputRoot: OutputRoot(scratch.url), logger: Logger(label: "test"))
        let executors: [String: any TaskExecutor] = Dictionary(
            uniqueKeysWithValues: ScanExecutors.all.map { ($0.kind, $0) })
        var phases = [[TaskSpec]]()
        var records = [ScanRecord]()
        // A planner that remembers its run between phases, asked as the coordinator asks it.
        let remembering = ScanPlanner()
        // Planners told of each result as the coordinator accepts it: every result, in reverse (each waits for
        // the ones before it) and twice; every result but the first (nothing can be folded); all but the last.
        let told = ScanPlanner()
        let toldButFirst = ScanPlanner()
        let toldButLast = ScanPlanner()
        var history = [[PhaseResult]]()
        var next = try ScanPlanner().firstPhase(
            of: RunContext(id: "r"),
            submitted: [
                TaskSpec(
                    kind: ScanTaskKind.catalog,
                    payload: try ScanCoding.payload(CatalogTask(spec: spec, submittedAt: Date())))
            ])
        while !next.isEmpty, next.first?.kind != ScanTaskKind.report {
            phases.append(next)
            var finished = [PhaseResult]()
            for (index, task) in next.enumerated() {
                let executor = try XCTUnwrap(executors[task.kind], task.kind)
                let result = try executor.execute(
                    TaskInput(
                        id: Int64(index), run: "r", phase: phases.count - 1, kind: task.kind, payload: task.payload),
                    context: context)
                records.append(ScanRecord(kind: task.kind, result: result))
                finished.append(PhaseResult(index: index, kind: task.kind, result: result))
            }
            let progress = try ScanProgress(records: records)
            next = try ScanPlanner.plan(progress, runID: "r")
            XCTAssertEqual(try ScanPlanner.plan(try ScanProgress(records: records), runID: "r"), next)
            // The remembering planner folds only the phase that just finished, and plans the same tasks.
            // It reads earlier phases (from the coordinator's ledger) only for a run it has not seen.
            let folded = remembering.memory.recordsFolded
            var reads = 0
            let known = history
            let lazy = RunContext(id: "r", earlierPhaseCounts: history.map(\.count)) {
                reads += 1
                return known[$0]
            }
            let remembered = try remembering.nextPhase(after: phases.count - 1, of: lazy, results: finished)
            XCTAssertEqual(remembered, next, "phase \(phases.count - 1)")
            XCTAssertEqual(remembering.memory.recordsFolded - folded, finished.count, "phase \(phases.count - 1)")
            XCTAssertEqual(reads, 0, "phase \(phases.count - 1): no earlier phase read again")
            // A planner that has not seen the run (a restarted coordinator) folds everything, to the same plan.
            XCTAssertEqual(
                try ScanPlanner().nextPhase(
                    after: phases.count - 1, of: RunContext(id: "r", earlierPhases: history), results: finished),
                next)
            // Told of every result (backwards, twice), the planner reads nothing at the boundary after the first
            // and plans the same tasks to the bit, though the results arrived in the wrong order.
            let ahead = told.memory.recordsFoldedAhead
            for result in finished.reversed() + finished {
                told.resultAccepted(run: "r", phase: phases.count - 1, result: result)
            }
            var newestLoads = 0
            let counted = PhaseResults(count: finished.count) {
                newestLoads += 1
                return finished
            }
            XCTAssertEqual(
                try told.nextPhase(
                    after: phases.count - 1, of: RunContext(id: "r", earlierPhases: history), newest: counted),
                next, "phase \(phases.count - 1), told")
            // The merged partials equal those of the whole history folded in order, to the bit.
            let inOrder = try ScanProgress(records: records)
            let toldProgress = try XCTUnwrap(told.memory.progress(of: "r"))
            XCTAssertEqual(toldProgress.moments?.serialized(), inOrder.moments?.serialized())
            XCTAssertEqual(toldProgress.covariance?.serialized(), inOrder.covariance?.serialized())
            XCTAssertEqual(toldProgress.histogram?.serialized(), inOrder.histogram?.serialized())
            if phases.count > 1 {
                XCTAssertEqual(newestLoads, 0, "phase \(phases.count - 1): folded as the results arrived")
                XCTAssertEqual(told.memory.recordsFoldedAhead - ahead, finished.count)
            }
            // Told of only some, a planner reads the phase (nothing folded) or the whole history (some folded).
            for (planner, skipped) in [(toldButFirst, 0), (toldButLast, finished.count - 1)] {
                for result in finished where result.index != skipped {
                    planner.resultAccepted(run: "r", phase: phases.count - 1, result: result)
                }
                let reads = (planner.memory.newestReads, planner.memory.historyReads)
                XCTAssertEqual(
                    try planner.nextPhase(
                        after: phases.count - 1, of: RunContext(id: "r", earlierPhases: history),
                        newest: PhaseResults(finished)),
                    next, "phase \(phases.count - 1), all told but \(skipped)")
                if phases.count > 1 && finished.count > 1 {
                    XCTAssertEqual(
                        planner.memory.newestReads - reads.0, skipped == 0 ? 1 : 0, "phase \(phases.count - 1)")
                    XCTAssertEqual(
                        planner.memory.historyReads - reads.1, skipped == 0 ? 0 : 1, "phase \(phases.count - 1)")
                }
            }
            history.append(finished)
        }
        // The run's end lets go of it (a failed or cancelled run's memory would otherwise stay).
        XCTAssertNotNil(told.progressGroups(run: "r"))
        told.runEnded(run: "r")
        XCTAssertNil(told.progressGroups(run: "r"))
        XCTAssertEqual(next.map(\.kind), [ScanTaskKind.report])
        func kinds(_ phase: Int) -> [String] { phases[phase].map(\.kind) }
        func trained(_ phase: Int) throws -> [ScanSpec.Method] {
            try phases[phase].filter { $0.kind == ScanTaskKind.train }.map {
                try ScanCoding.decode(TrainTask.self, from: $0.payload, what: "train").method
            }
        }
        XCTAssertEqual(phases.count, 4)
        XCTAssertEqual(kinds(0), [ScanTaskKind.catalog])
        // Phase 1: pass A over 2 shards x 2 ranges of 30 utterances (60 per shard), and the baseline.
        XCTAssertEqual(kinds(1).filter { $0 == ScanTaskKind.statistics }.count, 4)
        XCTAssertEqual(try trained(1), [.full])
        // Phase 2: histograms and IG beside CCS's grid (CCS does not wait for IG).
        XCTAssertEqual(kinds(2).filter { $0 == ScanTaskKind.statistics }.count, 4)
        XCTAssertEqual(kinds(2).filter { $0 == ScanTaskKind.ig }.count, 4)
        XCTAssertEqual(Set(try trained(2)), [.ccs, .pca])
        // Phase 3: the grids that needed the second pass and IG.
        XCTAssertEqual(Set(try trained(3)), [.misHist, .ig])
        let results = try ScanAssembly.results(
            try ScanProgress(records: records), runID: "r", status: .succeeded, failedTasks: [], finishedAt: nil)
        XCTAssertEqual(Set(results.scoreCurves.map(\.method)), [.ccs, .pca, .misHist, .ig])
        XCTAssertEqual(results.models.count, 5)
        XCTAssertEqual(results.run.phases.first { $0.name == "grid" }?.tasksTotal, 5)

        // The dry run's preview, from the headers alone, counts the tasks the planner handed out.
        let preview = try ScanPreview.make(spec: spec, dataRoot: DataRoot(scratch.url))
        let handedOut = phases.flatMap { $0 }
        func previewed(_ name: String) -> Int? { preview.phases.first { $0.name == name }?.tasks }
        XCTAssertEqual(
            previewed("statistics"),
            handedOut.filter { $0.kind == ScanTaskKind.statistics || $0.kind == ScanTaskKind.ksg }.count)
        XCTAssertEqual(previewed("ig"), handedOut.filter { $0.kind == ScanTaskKind.ig }.count)
        XCTAssertEqual(previewed("grid"), handedOut.filter { $0.kind == ScanTaskKind.train }.count)
        XCTAssertEqual(preview.models, results.models.count)
        // Local disk: the widest trained model's frames, every kept shard's frames times its k, in float32.
        let widest = try XCTUnwrap(results.models.map(\.k).max())
        let frames = try DatasetCatalog(directory: scratch.url.appendingPathComponent(spec.dataset.directory))
            .shards.reduce(0) { $0 + $1.frames }
        XCTAssertEqual(preview.largestModelFrameBytes, Double(frames * widest * 4))
        XCTAssertTrue(preview.text.contains("local disk per worker: up to "), preview.text)
    }
}
