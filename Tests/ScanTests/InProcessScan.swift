import Cluster
import Foundation
import Logging
import XCTest

@testable import Scan
@testable import ScanModel

/// A scan driven in-process, phase by phase, with the real executors and the real planner (no cluster), as
/// the coordinator drives it: what each phase held, every task's result, and the results the report task
/// would get. Each phase is also re-planned from scratch, which must give the same tasks.
struct InProcessScan {
    /// The tasks of each phase, catalog first, report excluded.
    var phases: [[TaskSpec]] = []
    /// Every finished task's record.
    var records: [ScanRecord] = []
    /// The planner that ran it (its memory holds the run).
    let planner = ScanPlanner()
    /// The run's id.
    let runID: String

    /// Runs `spec` under `root` (data and output root) until the planner hands out the report.
    init(spec: ScanSpec, root: URL, runID: String = "r", file: StaticString = #filePath, line: UInt = #line) throws {
        self.runID = runID
        let context = TaskContext(
            dataRoot: DataRoot(root), outputRoot: OutputRoot(root), logger: Logger(label: "test"))
        let executors = Dictionary(uniqueKeysWithValues: ScanExecutors.all.map { ($0.kind, $0) })
        var history = [[PhaseResult]]()
        var next = try planner.firstPhase(
            of: RunContext(id: runID),
            submitted: [
                TaskSpec(
                    kind: ScanTaskKind.catalog,
                    payload: try ScanCoding.payload(CatalogTask(spec: spec, submittedAt: Date())))
            ])
        while !next.isEmpty, next.first?.kind != ScanTaskKind.report {
            phases.append(next)
            var finished = [PhaseResult]()
            for (index, task) in next.enumerated() {
                let result = try XCTUnwrap(executors[task.kind], task.kind, file: file, line: line).execute(
                    TaskInput(
                        id: Int64(index), run: runID, phase: phases.count - 1, kind: task.kind,
                        payload: task.payload),
                    context: context)
                records.append(ScanRecord(kind: task.kind, result: result))
                finished.append(PhaseResult(index: index, kind: task.kind, result: result))
            }
            next = try planner.nextPhase(
                after: phases.count - 1, of: RunContext(id: runID, earlierPhases: history), results: finished)
            XCTAssertEqual(
                try ScanPlanner.plan(try ScanProgress(records: records), runID: runID), next, file: file, line: line)
            history.append(finished)
        }
        XCTAssertEqual(next.map(\.kind), [ScanTaskKind.report], file: file, line: line)
    }

    /// The results the report task gets.
    func results() throws -> ScanResults {
        try ScanAssembly.results(
            try ScanProgress(records: records), runID: runID, status: .succeeded, failedTasks: [], finishedAt: nil)
    }

    /// Every task of `kind` handed out, decoded.
    func tasks<Body: Decodable>(_ kind: String, as type: Body.Type) throws -> [Body] {
        try phases.joined().filter { $0.kind == kind }.map {
            try ScanCoding.decode(Body.self, from: $0.payload, what: kind)
        }
    }
}
