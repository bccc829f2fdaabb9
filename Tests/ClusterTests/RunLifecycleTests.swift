import Cluster
import Foundation
import GRDB
import TestSupport
import XCTest

@testable import Cluster

/// Retry cap, stragglers, cancellation, data-root sandbox, planners and the ledger.
final class RunLifecycleTests: XCTestCase {
    func testRetryCapFailsTaskAndRunSaysSoWhileDataRootRefusesEscapes() throws {
        let harness = try ClusterHarness("retry")
        defer { harness.tearDown() }
        try Data("inside".utf8).write(to: harness.dataRoot.appendingPathComponent("inside.txt"))
        try Data("secret".utf8).write(to: harness.scratch.path("outside.txt"))
        try harness.startCoordinator()
        for name in ["w1", "w2"] { try harness.startWorker(name) }
        let client = try harness.client()
        let tasks = [
            TaskSpec(kind: "cluster.read", payload: Payload(body: Data("inside.txt".utf8))),
            TaskSpec(kind: "cluster.read", payload: Payload(body: Data("../outside.txt".utf8))),
            TaskSpec(kind: "cluster.fail", payload: Payload(body: Data("disk on fire".utf8))),
        ]
        let run = try client.submit(RunSubmission(name: "retry", tasks: tasks))
        let status = try client.waitForRun(run, timeout: 60)
        XCTAssertEqual(status.state, .failed)
        XCTAssertEqual(status.done, 1)
        XCTAssertEqual(status.failed, 2)
        XCTAssertTrue(status.error?.contains("2 task(s) of phase 0 failed") ?? false, status.error ?? "")
        let errors = status.failures.map(\.error)
        XCTAssertTrue(errors.contains { $0.contains("escapes the data root") }, "\(errors)")
        XCTAssertTrue(errors.contains("disk on fire"), "\(errors)")
        let records = try client.allResults(run: run)
        let inside = try XCTUnwrap(records.first { $0.outcome.index == 0 })
        XCTAssertEqual(DiagnosticExecutors.words(inside.result?.body ?? Data()), [6], "read 'inside' (6 bytes)")
        XCTAssertEqual(
            harness.log("coordinator").components(separatedBy: "task failed, will retry").count - 1, 4,
            "each failing task ran 3 times: 2 retries each")
    }

    func testDataRootResolvesInsideAndRefusesEscapes() throws {
        let scratch = try ScratchDirectory("dataroot")
        defer { scratch.remove() }
        let root = scratch.path("root")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("a"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            at: root.appendingPathComponent("link"), withDestinationURL: scratch.url)
        let dataRoot = DataRoot(root)
        XCTAssertEqual(try dataRoot.resolve("a/b.h5").path, DataRoot(root).url.appendingPathComponent("a/b.h5").path)
        XCTAssertNoThrow(try dataRoot.resolve("a/../a/b.h5"))
        try Data("x".utf8).write(to: scratch.path("outside.txt"))
        for bad in ["../x", "/etc/passwd", "a/../../x", "link/outside.txt", ""] {
            XCTAssertThrowsError(try dataRoot.resolve(bad), bad) {
                guard case ClusterError.pathEscapesDataRoot = $0 else { return XCTFail("\(bad): \($0)") }
            }
        }
    }

    func testStragglerIsReissuedToIdleWorkerAndFirstResultWins() throws {
        let harness = try ClusterHarness("straggler")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        for name in ["w1", "w2"] { try harness.startWorker(name, ["--window", "1"]) }
        let client = try harness.client()
        try harness.waitUntil("two workers") { try client.workers().workers.count == 2 }
        var tasks = (0..<20).map { _ in
            TaskSpec(kind: "cluster.sleep", payload: Payload(body: DiagnosticExecutors.data([20])))
        }
        tasks.append(TaskSpec(kind: "cluster.sleep", payload: Payload(body: DiagnosticExecutors.data([2500]))))
        let run = try client.submit(RunSubmission(name: "straggler", tasks: tasks))
        let status = try client.waitForRun(run, timeout: 60)
        XCTAssertEqual(status.state, .completed)
        let records = try client.allResults(run: run)
        XCTAssertEqual(records.count, 21)
        XCTAssertEqual(Set(records.map(\.outcome.index)), Set(0..<21))
        XCTAssertTrue(harness.log("coordinator").contains("straggler re-issued"), harness.log("coordinator"))
        // The copy finishes after the original; its result is ignored, not counted.
        try harness.waitUntil("the late copy's result", timeout: 10) { try client.status().duplicateResults >= 1 }
        XCTAssertEqual(try client.status(run: run).runs[0].done, 21)
    }

    /// A long task among many short ones of another kind is not a straggler: "usual" is per kind, and its kind
    /// has no finished task to compare with (a scan's training tasks beside its statistics tasks).
    func testALongTaskIsNotAStragglerBesideShortTasksOfAnotherKind() throws {
        let harness = try ClusterHarness("straggler-kind")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        for name in ["w1", "w2"] { try harness.startWorker(name, ["--window", "1"]) }
        let client = try harness.client()
        try harness.waitUntil("two workers") { try client.workers().workers.count == 2 }
        var tasks = (0..<20).map { _ in TaskSpec(kind: "cluster.noop", payload: Payload(body: Data())) }
        tasks.append(TaskSpec(kind: "cluster.sleep", payload: Payload(body: DiagnosticExecutors.data([2500]))))
        let run = try client.submit(RunSubmission(name: "straggler-kind", tasks: tasks))
        let status = try client.waitForRun(run, timeout: 60)
        XCTAssertEqual(status.state, .completed)
        XCTAssertEqual(try client.allResults(run: run).count, 21)
        XCTAssertFalse(harness.log("coordinator").contains("straggler re-issued"), harness.log("coordinator"))
        XCTAssertEqual(try client.status().duplicateResults, 0)
    }

    /// Two long tasks and two idle one-thread workers with windows of 2: each worker runs one, at the same
    /// time. (The first worker in the table used to take both into its window and run them in turn.)
    func testIdleWorkersAreServedBeforeAnyWindowIsFilled() throws {
        let harness = try ClusterHarness("fair-dispatch")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        for name in ["w1", "w2"] { try harness.startWorker(name, ["--window", "2"]) }
        let client = try harness.client()
        try harness.waitUntil("two workers") { try client.workers().workers.count == 2 }
        let tasks = (0..<2).map { _ in
            TaskSpec(kind: "cluster.sleep", payload: Payload(body: DiagnosticExecutors.data([1500])))
        }
        let run = try client.submit(RunSubmission(name: "fair", tasks: tasks))
        XCTAssertEqual(try client.waitForRun(run, timeout: 60).state, .completed)
        XCTAssertEqual(try client.workers().workers.map(\.done).sorted(), [1, 1])
    }

    func testCancelDropsQueuedTasksThroughTheCommandLine() throws {
        let harness = try ClusterHarness("cancel")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        try harness.startWorker("w1", ["--window", "1"])
        let client = try harness.client()
        let tasks = (0..<50).map { _ in
            TaskSpec(kind: "cluster.sleep", payload: Payload(body: DiagnosticExecutors.data([100])))
        }
        let run = try client.submit(RunSubmission(name: "cancel", tasks: tasks))
        try harness.waitUntil("a first result") { try client.status(run: run).runs[0].done >= 1 }
        let result = try runProcess(TestEnvironment.salienceBinary, ["cancel", run, "--to", harness.endpoint])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "\(run): cancelled")
        let status = try client.status(run: run).runs[0]
        XCTAssertEqual(status.state, .cancelled)
        XCTAssertLessThan(status.done, 50)
        XCTAssertEqual(status.queued, 0)
        let workers = try runProcess(TestEnvironment.salienceBinary, ["workers", "--to", harness.endpoint])
        XCTAssertTrue(workers.stdout.contains("\t1\t"), "threads column: \(workers.stdout)")
        let text = try runProcess(TestEnvironment.salienceBinary, ["status", run, "--to", harness.endpoint])
        XCTAssertTrue(text.stdout.contains("\(run) (cancel) [flat] cancelled"), text.stdout)
    }

    /// A planner that sums phase 0's spin results and plans one more spin task from the sum.
    struct SumThenSpinPlanner: RunPlanner {
        func nextPhase(after phase: Int, of run: RunContext, results: [PhaseResult]) throws -> [TaskSpec] {
            guard phase == 0 else { return [] }
            let sum = results.reduce(UInt64(0)) { $0 &+ (DiagnosticExecutors.words($1.result.body)?.first ?? 0) }
            return [
                TaskSpec(kind: "cluster.spin", payload: Payload(body: DiagnosticExecutors.data([sum % 1000, 100])))
            ]
        }
    }

    func testPlannerEmitsNextPhaseFromReducedResults() throws {
        let harness = try ClusterHarness("planner")
        defer { harness.tearDown() }
        _ = try harness.inProcessCoordinator(planners: ["sum-then-spin": SumThenSpinPlanner()])
        try harness.inProcessWorker(threads: 2)
        let client = try harness.client()
        let run = try client.submit(
            RunSubmission(name: "phases", planner: "sum-then-spin", tasks: SpinWorkload.tasks(30, iterations: 500)))
        let status = try client.waitForRun(run, timeout: 60)
        XCTAssertEqual(status.state, .completed)
        XCTAssertEqual(status.phases.map(\.total), [30, 1])
        let records = try client.allResults(run: run)
        let sum = try SpinWorkload.expected(30, iterations: 500).reduce(0, &+)
        let last = try XCTUnwrap(records.first { $0.outcome.phase == 1 })
        var expected: UInt64 = 0
        for offset in 0..<UInt64(100) { expected &+= DiagnosticExecutors.splitMix64(sum % 1000 + offset) }
        XCTAssertEqual(DiagnosticExecutors.words(last.result?.body ?? Data()), [expected])
    }

    /// A planner that keeps what the coordinator tells it as results are accepted, and at each boundary what
    /// it had been told by then next to what the ledger holds.
    final class ToldPlanner: RunPlanner, @unchecked Sendable {
        let lock = NSLock()
        var told: [(phase: Int, index: Int, body: Data)] = []
        var boundaries: [(phase: Int, count: Int, toldBefore: [Int: Data], loaded: [Int: Data])] = []
        var ended: [String] = []

        func resultAccepted(run: String, phase: Int, result: PhaseResult) {
            lock.withLock { told.append((phase, result.index, result.result.body)) }
        }

        func runEnded(run: String) { lock.withLock { ended.append(run) } }

        func nextPhase(after phase: Int, of run: RunContext, newest: PhaseResults) throws -> [TaskSpec] {
            let before = lock.withLock { told.filter { $0.phase == phase } }
            let loaded = try newest.load()
            lock.withLock {
                boundaries.append(
                    (
                        phase, newest.count, Dictionary(before.map { ($0.index, $0.body) }) { a, _ in a },
                        Dictionary(uniqueKeysWithValues: loaded.map { ($0.index, $0.result.body) })
                    ))
            }
            return try nextPhase(after: phase, of: run, results: loaded)
        }

        func nextPhase(after phase: Int, of run: RunContext, results: [PhaseResult]) throws -> [TaskSpec] {
            guard phase == 0 else { return [] }
            return [TaskSpec(kind: "cluster.sleep", payload: Payload(body: DiagnosticExecutors.data([10])))]
        }
    }

    /// The planner is told of every accepted result once, before its phase's boundary, with the payload the
    /// ledger keeps; a straggler copy's late result is not told again; the run's end is told once.
    func testPlannerIsToldOfEachAcceptedResultOnceBeforeTheBoundary() throws {
        let harness = try ClusterHarness("told-planner")
        defer { harness.tearDown() }
        let planner = ToldPlanner()
        _ = try harness.inProcessCoordinator(planners: ["told": planner])
        for _ in 0..<2 { try harness.inProcessWorker(threads: 1, window: 1) }
        let client = try harness.client()
        try harness.waitUntil("two workers") { try client.workers().workers.count == 2 }
        // Short sleeps whose results differ by task, and a long one that is re-issued as a straggler.
        var tasks = (0..<20).map {
            TaskSpec(kind: "cluster.sleep", payload: Payload(body: DiagnosticExecutors.data([20 + UInt64($0)])))
        }
        tasks.append(TaskSpec(kind: "cluster.sleep", payload: Payload(body: DiagnosticExecutors.data([2500]))))
        let run = try client.submit(RunSubmission(name: "told", planner: "told", tasks: tasks))
        XCTAssertEqual(try client.waitForRun(run, timeout: 60).state, .completed)
        try harness.waitUntil("the late copy's result", timeout: 10) { try client.status().duplicateResults >= 1 }
        try harness.waitUntil("the run's end told", timeout: 10) { planner.lock.withLock { !planner.ended.isEmpty } }
        planner.lock.withLock {
            XCTAssertEqual(planner.ended, [run])
            XCTAssertEqual(planner.told.filter { $0.phase == 0 }.map(\.index).sorted(), Array(0..<21), "once each")
            XCTAssertEqual(planner.told.filter { $0.phase == 1 }.map(\.index), [0])
            XCTAssertEqual(planner.boundaries.map(\.phase), [0, 1])
            for boundary in planner.boundaries {
                XCTAssertEqual(boundary.count, boundary.loaded.count, "phase \(boundary.phase)")
                XCTAssertEqual(
                    boundary.toldBefore, boundary.loaded, "phase \(boundary.phase): told before its boundary")
            }
            XCTAssertEqual(planner.boundaries.first?.loaded.count, 21)
        }
    }

    /// A planner that holds phase 0's boundary until the test releases it, as merging a speech-scale scan's
    /// statistics partials holds it for seconds.
    final class HeldPlanner: RunPlanner, @unchecked Sendable {
        let entered = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)

        func nextPhase(after phase: Int, of run: RunContext, results: [PhaseResult]) throws -> [TaskSpec] {
            guard phase == 0 else { return [] }
            entered.signal()
            _ = release.wait(timeout: .now() + 60)
            return [TaskSpec(kind: "cluster.spin", payload: Payload(body: DiagnosticExecutors.data([7, 100])))]
        }
    }

    /// Planning runs beside the socket loop: while a phase boundary takes longer than the heartbeat liveness,
    /// clients are answered, the worker stays attached (it is not declared dead and re-attached), STATUS says
    /// the run is planning, and the planned phase then runs.
    func testHeartbeatsAndClientsAreAnsweredWhilePlanningHoldsAPhaseBoundary() throws {
        let harness = try ClusterHarness("held-planner")
        defer { harness.tearDown() }
        let planner = HeldPlanner()
        _ = try harness.inProcessCoordinator(planners: ["held": planner])
        try harness.inProcessWorker(threads: 1)
        let client = try harness.client(timeout: 2)
        let run = try client.submit(
            RunSubmission(name: "held", planner: "held", tasks: SpinWorkload.tasks(4, iterations: 100)))
        XCTAssertEqual(planner.entered.wait(timeout: .now() + 60), .success, "phase 0 never finished")
        let attachedBefore = try XCTUnwrap(try client.workers().workers.first?.connectedSeconds)
        let hold = ClusterDefaults.heartbeatInterval * Double(ClusterDefaults.heartbeatLiveness + 2)
        let holdUntil = Date().addingTimeInterval(hold)
        var answers = 0
        while Date() < holdUntil {
            let report = try client.status(run: run)
            XCTAssertEqual(report.workers, 1)
            XCTAssertNotNil(report.runs.first?.planningSeconds, "STATUS says the run is planning")
            answers += 1
            Thread.sleep(forTimeInterval: 0.25)
        }
        XCTAssertGreaterThan(answers, 10)
        let attached = try XCTUnwrap(try client.workers().workers.first?.connectedSeconds)
        XCTAssertGreaterThanOrEqual(attached, attachedBefore + hold - 0.5, "the worker was never re-attached")
        planner.release.signal()
        let status = try client.waitForRun(run, timeout: 60)
        XCTAssertEqual(status.state, .completed)
        XCTAssertEqual(status.phases.map(\.total), [4, 1])
        XCTAssertNil(status.planningSeconds)
    }

    /// RESULTS pages end once their results reach the coordinator's byte budget (a result larger than it comes
    /// alone), so a client collecting a large run never has the loop read gigabytes in one request; paging
    /// through them still gives every result once, intact.
    func testResultsPagesAreBoundedInBytes() throws {
        let harness = try ClusterHarness("results-pages")
        defer { harness.tearDown() }
        _ = try harness.inProcessCoordinator { $0.resultsPageBytes = 100_000 }
        try harness.inProcessWorker(threads: 2)
        let client = try harness.client()
        // Nine results of 30,000 bytes and, sixth, one of 250,000 (over the budget by itself).
        let sizes: [UInt64] = [30_000, 30_000, 30_000, 30_000, 30_000, 250_000, 30_000, 30_000, 30_000, 30_000]
        let run = try client.submit(
            RunSubmission(
                name: "pages",
                tasks: sizes.map {
                    TaskSpec(kind: "cluster.fill", payload: Payload(body: DiagnosticExecutors.data([$0])))
                }
            ))
        XCTAssertEqual(try client.waitForRun(run, timeout: 60).state, .completed)
        var pages: [[Int]] = []
        var after: Int64 = 0
        var records: [TaskResultRecord] = []
        while true {
            let page = try client.results(run: run, after: after)
            pages.append(page.records.map { $0.result?.arrays.first?.count ?? -1 })
            records += page.records
            guard let next = page.next else { break }
            after = next
        }
        // Each page stops at the first result that takes it to 100,000 bytes (8-byte bodies included).
        XCTAssertEqual(
            pages.filter { !$0.isEmpty },
            [[30_000, 30_000, 30_000, 30_000], [30_000, 250_000], [30_000, 30_000, 30_000, 30_000]])
        XCTAssertEqual(records.map(\.outcome.index), Array(0..<10))
        for record in records {
            let expected = Data((0..<Int(sizes[record.outcome.index])).map { UInt8(truncatingIfNeeded: $0) })
            XCTAssertEqual(record.result?.arrays, [expected], "task \(record.outcome.index)")
        }
    }

    /// A ledger an earlier build made with SQLite's default 4 KiB pages opens as it is (in WAL mode the page
    /// size cannot change), keeps its runs and takes new ones.
    func testALedgerWithSmallPagesFromAnEarlierBuildStillOpens() throws {
        let scratch = try ScratchDirectory("ledger-pages")
        defer { scratch.remove() }
        let path = scratch.path("ledger.sqlite").path
        do {
            let database = try DatabaseQueue(path: path)
            try database.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA page_size = 4096")
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            try LedgerSchema.migrate(database, path: path)
            try database.close()
        }
        func run(_ id: String) -> LedgerRun {
            LedgerRun(
                id: id, name: nil, planner: "flat", spec: nil, leaseSeconds: 10, state: .running, error: nil,
                phase: 0, created: 0)
        }
        let first = try Ledger(directory: scratch.url)
        XCTAssertEqual(try first.pageSize(), 4096)
        let ids = try first.createRun(run("old"), tasks: [TaskSpec(kind: "k", payload: Payload(body: Data([1])))])
        var batch = LedgerBatch()
        batch.results = [(ids[0], Payload(body: Data([9]), arrays: [Data(repeating: 7, count: 300_000)]), "w1")]
        XCTAssertEqual(try first.commit(batch, now: 1), [ids[0]])
        let reopened = try Ledger(directory: scratch.url)
        XCTAssertEqual(try reopened.pageSize(), 4096)
        let outcomes = try reopened.outcomes(run: "old", after: 0, limit: 10)
        XCTAssertEqual(outcomes.map(\.1?.arrays), [[Data(repeating: 7, count: 300_000)]])
        XCTAssertEqual(try reopened.createRun(run("new"), tasks: []).count, 0)
    }

    func testLedgerIsWALAndAcceptsEachResultOnce() throws {
        let scratch = try ScratchDirectory("ledger")
        defer { scratch.remove() }
        let ledger = try Ledger(directory: scratch.url)
        XCTAssertEqual(try ledger.journalMode().lowercased(), "wal")
        XCTAssertEqual(try ledger.pageSize(), Ledger.pageSize)
        let ids = try ledger.createRun(
            LedgerRun(
                id: "r", name: nil, planner: "flat", spec: nil, leaseSeconds: 10, state: .running, error: nil,
                phase: 0,
                created: 0),
            tasks: [TaskSpec(kind: "k", payload: Payload(body: Data([1]), arrays: [Data([2, 3])]))])
        var batch = LedgerBatch()
        batch.results = [(ids[0], Payload(body: Data([9])), "w1"), (ids[0], Payload(body: Data([8])), "w2")]
        XCTAssertEqual(try ledger.commit(batch, now: 1), [ids[0]])
        XCTAssertEqual(try ledger.commit(batch, now: 2), [], "a second result for a done task is ignored")
        let reopened = try Ledger(directory: scratch.url)
        let outcome = try XCTUnwrap(try reopened.outcomes(run: "r", after: 0, limit: 10).first)
        XCTAssertEqual(outcome.1?.body, Data([9]), "the first result won and survived reopening")
        XCTAssertTrue(try reopened.loadPendingTasks().isEmpty)
        let payload = Payload(body: Data([1, 2]), arrays: [Data(), Data([3])])
        XCTAssertEqual(Payload(blob: payload.blob), payload)
        XCTAssertNil(Payload(blob: Data([5, 0, 0, 0, 1])), "a truncated blob is refused")
    }
}
