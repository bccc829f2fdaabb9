import Foundation
import GRDB

/// Task states as stored in the ledger's `tasks.state` (an integer, so that the `(state, run)` index stays
/// small); every query names them through this type, never by number.
enum LedgerTaskState: Int, DatabaseValueConvertible {
    case pending = 0
    case done = 1
    case failed = 2
    case cancelled = 3
}

/// A run as stored in the ledger.
struct LedgerRun {
    var id: String
    var name: String?
    var planner: String
    var spec: Payload?
    var leaseSeconds: Double
    var state: RunState
    var error: String?
    var phase: Int
    var created: Double
}

extension RunState: DatabaseValueConvertible {}

/// A task not yet finished, as loaded at start-up.
struct LedgerPendingTask {
    var id: Int64
    var run: String
    var phase: Int
    var index: Int
    var kind: String
    var payload: Payload
    var failures: Int
    var sameErrors: Int
    var lastError: String?
    /// Who the task was last sent to (`WorkerRecord.holder`), so that after a restart a reattaching worker
    /// gets back only leases that were its own.
    var holder: String? = nil
    /// The planner's data key (`TaskSpec.affinity`), kept so that preferences survive a restart.
    var affinity: String? = nil
}

/// What one poll cycle changes, written in one transaction before anything is acknowledged.
struct LedgerBatch {
    /// Results to accept: task id, result, worker.
    var results: [(id: Int64, payload: Payload, worker: String)] = []
    /// Failure counts to record; `failed` marks the task failed for good.
    var failures: [(id: Int64, failures: Int, sameErrors: Int, error: String, failed: Bool)] = []

    var isEmpty: Bool { results.isEmpty && failures.isEmpty }
}

/// The coordinator's durable memory: runs, tasks and accepted results in SQLite (WAL mode, via GRDB).
///
/// The coordinator's loop thread writes it; its planning thread reads results (GRDB's queue serialises
/// the two). `synchronous = NORMAL` in WAL mode survives a killed process
/// (the case the tests prove); use FULL for power loss at the cost of an fsync per commit.
final class Ledger {
    private let database: DatabaseQueue
    /// The SQLite file.
    let path: String
    /// The page size of ledgers this build creates (SQLite's largest).
    static let pageSize = 65536

    /// Opens (creating when needed, mode 0600) `ledger.sqlite` in `directory`. An existing file is first
    /// checked read-only (`LedgerSchema.inspect`): a database that is not a Salience ledger, or one SQLite's
    /// `quick_check` finds corrupt, is refused untouched, before anything is written to it.
    init(directory: URL) throws {
        path = directory.appendingPathComponent("ledger.sqlite").path
        try LedgerSchema.createOrInspect(path: path)
        do {
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // Statement journals spill to a temporary file past 64 KiB, one page of a new ledger: kept in
                // memory, the coordinator writes nowhere but its state directory (its systemd unit allows no
                // more).
                try db.execute(sql: "PRAGMA temp_store = MEMORY")
            }
            database = try DatabaseQueue(path: path, configuration: configuration)
            try database.writeWithoutTransaction { db in
                // Before WAL, which fixes the page size of a new file (an existing ledger keeps its own). Results
                // and task payloads are megabytes (a statistics result is 7 MB at D = 1024, a KSG task's rows
                // 6 MB): with 4 KiB pages each is thousands of overflow pages, written to the WAL and copied
                // again at each checkpoint one page per call. 64 KiB pages commit a 96 MB phase 3-4x faster
                // (0.44-0.68 s -> 0.15-0.17 s here), time the loop thread spends not dispatching.
                try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)")
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            try LedgerSchema.migrate(database, path: path)
        } catch let error as ClusterError {
            throw error
        } catch {
            throw ClusterError.ledger("cannot open \(path): \(error)")
        }
    }

    private func write<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try database.write(body) } catch let error as ClusterError { throw error } catch {
            throw ClusterError.ledger("\(what) in \(path): \(error)")
        }
    }

    private func read<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch {
            throw ClusterError.ledger("\(what) in \(path): \(error)")
        }
    }

    /// The SQLite page size in bytes.
    func pageSize() throws -> Int {
        try read("page size") { try Int.fetchOne($0, sql: "PRAGMA page_size") ?? 0 }
    }

    /// The SQLite journal mode (expected: `wal`).
    func journalMode() throws -> String {
        try read("journal mode") { try String.fetchOne($0, sql: "PRAGMA journal_mode") ?? "" }
    }

    /// Records a new run and its first phase of tasks; returns the task ids in order.
    func createRun(_ run: LedgerRun, tasks: [TaskSpec]) throws -> [Int64] {
        try write("create run \(run.id)") { db in
            try db.execute(
                sql: """
                    INSERT INTO runs (id, name, planner, spec, lease_seconds, state, phase, created)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.id, run.name, run.planner, run.spec?.blob, run.leaseSeconds, run.state, run.phase,
                    run.created,
                ])
            return try insertTasks(db, run: run.id, phase: run.phase, tasks: tasks)
        }
    }

    private func insertTasks(_ db: Database, run: String, phase: Int, tasks: [TaskSpec]) throws -> [Int64] {
        let statement = try db.cachedStatement(
            sql: "INSERT INTO tasks (run, phase, idx, kind, payload, affinity) VALUES (?, ?, ?, ?, ?, ?)")
        var ids: [Int64] = []
        ids.reserveCapacity(tasks.count)
        for (index, task) in tasks.enumerated() {
            try statement.execute(arguments: [run, phase, index, task.kind, task.payload.blob, task.affinity])
            ids.append(db.lastInsertedRowID)
        }
        return ids
    }

    /// Adds phase `phase` of `run` (idempotent: returns nil when that phase already exists) and makes it
    /// the run's current phase.
    func addPhase(run: String, phase: Int, tasks: [TaskSpec]) throws -> [Int64]? {
        try write("add phase \(phase) to run \(run)") { db in
            let existing =
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM tasks WHERE run = ? AND phase = ?", arguments: [run, phase])
                ?? 0
            guard existing == 0 else { return nil }
            try db.execute(sql: "UPDATE runs SET phase = ? WHERE id = ?", arguments: [phase, run])
            return try insertTasks(db, run: run, phase: phase, tasks: tasks)
        }
    }

    /// Writes one cycle's results and failures in a single transaction. Returns the ids whose result was
    /// accepted now (a task already done or no longer pending is left untouched: exactly once).
    func commit(_ batch: LedgerBatch, now: Double) throws -> Set<Int64> {
        if batch.isEmpty { return [] }
        return try write("commit \(batch.results.count) results") { db in
            var accepted = Set<Int64>()
            let accept = try db.cachedStatement(
                sql: "UPDATE tasks SET state = ?, result = ?, worker = ?, finished = ? WHERE id = ? AND state = ?")
            for result in batch.results {
                try accept.execute(arguments: [
                    LedgerTaskState.done, result.payload.blob, result.worker, now, result.id, LedgerTaskState.pending,
                ])
                if db.changesCount == 1 { accepted.insert(result.id) }
            }
            let fail = try db.cachedStatement(
                sql: """
                    UPDATE tasks SET failures = ?, same_errors = ?, last_error = ?, state = ?, finished = ?
                    WHERE id = ? AND state = ?
                    """)
            for failure in batch.failures {
                try fail.execute(arguments: [
                    failure.failures, failure.sameErrors, failure.error,
                    failure.failed ? LedgerTaskState.failed : LedgerTaskState.pending, failure.failed ? now : nil,
                    failure.id, LedgerTaskState.pending,
                ])
            }
            return accepted
        }
    }

    /// Records to whom tasks are about to be sent (`WorkerRecord.holder`), in one transaction, before the
    /// TASKS leave: after a restart only that worker may claim them back in its HELLO.
    func recordLeases(_ leases: [(id: Int64, holder: String)]) throws {
        guard !leases.isEmpty else { return }
        try write("record \(leases.count) leases") { db in
            let statement = try db.cachedStatement(sql: "UPDATE tasks SET holder = ? WHERE id = ? AND state = ?")
            for lease in leases {
                try statement.execute(arguments: [lease.holder, lease.id, LedgerTaskState.pending])
            }
        }
    }

    /// Sets a run's state (and error), stamping the finish time for final states.
    func setRunState(_ run: String, state: RunState, error: String?, now: Double) throws {
        try write("set state of run \(run)") { db in
            try db.execute(
                sql: "UPDATE runs SET state = ?, error = ?, finished = ? WHERE id = ?",
                arguments: [state, error, state.isFinal ? now : nil, run])
        }
    }

    /// Cancels a run: its pending tasks become cancelled.
    func cancelRun(_ run: String, now: Double) throws {
        try write("cancel run \(run)") { db in
            try db.execute(
                literal: """
                    UPDATE runs SET state = \(RunState.cancelled), finished = \(now)
                    WHERE id = \(run) AND state = \(RunState.running)
                    """)
            try db.execute(
                literal: """
                    UPDATE tasks SET state = \(LedgerTaskState.cancelled)
                    WHERE run = \(run) AND state = \(LedgerTaskState.pending)
                    """)
        }
    }

    /// Every run.
    func loadRuns() throws -> [LedgerRun] {
        try read("load runs") { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT id, name, planner, spec, lease_seconds, state, error, phase, created FROM runs ORDER BY created"
            ).map { row in
                let id: String = row["id"]
                // Read as text first: GRDB traps on a value its enum does not know, and the ledger is a file.
                let stored: String = row["state"]
                guard let state = RunState(rawValue: stored) else {
                    throw ClusterError.ledger("run \(id) has an unknown state '\(stored)' in \(self.path)")
                }
                return LedgerRun(
                    id: id, name: row["name"], planner: row["planner"],
                    spec: (row["spec"] as Data?).flatMap { Payload(blob: $0) }, leaseSeconds: row["lease_seconds"],
                    state: state, error: row["error"], phase: row["phase"], created: row["created"])
            }
        }
    }

    /// Pending tasks of running runs, in id order.
    func loadPendingTasks() throws -> [LedgerPendingTask] {
        try read("load pending tasks") { db in
            let rows = try SQLRequest<Row>(
                literal: """
                    SELECT t.id, t.run, t.phase, t.idx, t.kind, t.payload, t.failures, t.same_errors, t.last_error,
                        t.holder, t.affinity
                    FROM tasks t JOIN runs r ON r.id = t.run
                    WHERE t.state = \(LedgerTaskState.pending) AND r.state = \(RunState.running) ORDER BY t.id
                    """
            ).fetchCursor(db)
            var tasks: [LedgerPendingTask] = []
            while let row = try rows.next() {
                let id: Int64 = row["id"]
                guard let payload = Payload(blob: row["payload"]) else {
                    throw ClusterError.ledger("task \(id) has a corrupt payload blob")
                }
                tasks.append(
                    LedgerPendingTask(
                        id: id, run: row["run"], phase: row["phase"], index: row["idx"], kind: row["kind"],
                        payload: payload, failures: row["failures"], sameErrors: row["same_errors"],
                        lastError: row["last_error"], holder: row["holder"], affinity: row["affinity"]))
            }
            return tasks
        }
    }

    /// Per phase of `run`: (phase, total, done, failed).
    func phaseCounts(run: String) throws -> [(phase: Int, total: Int, done: Int, failed: Int)] {
        try read("count tasks of run \(run)") { db in
            try SQLRequest<Row>(
                literal: """
                    SELECT phase, COUNT(*) AS total, SUM(state = \(LedgerTaskState.done)) AS done,
                        SUM(state = \(LedgerTaskState.failed)) AS failed
                    FROM tasks WHERE run = \(run) GROUP BY phase ORDER BY phase
                    """
            ).fetchAll(db).map { ($0["phase"], $0["total"], $0["done"], $0["failed"]) }
        }
    }

    /// Per task kind of `run`: (kind, total, done, failed).
    func kindCounts(run: String) throws -> [(kind: String, total: Int, done: Int, failed: Int)] {
        try read("count task kinds of run \(run)") { db in
            try SQLRequest<Row>(
                literal: """
                    SELECT kind, COUNT(*) AS total, SUM(state = \(LedgerTaskState.done)) AS done,
                        SUM(state = \(LedgerTaskState.failed)) AS failed
                    FROM tasks WHERE run = \(run) GROUP BY kind ORDER BY kind
                    """
            ).fetchAll(db).map { ($0["kind"], $0["total"], $0["done"], $0["failed"]) }
        }
    }

    /// Failed tasks of `run` (at most `limit`).
    func failures(run: String, limit: Int) throws -> [TaskFailure] {
        try read("failures of run \(run)") { db in
            try SQLRequest<Row>(
                literal: """
                    SELECT id, kind, last_error FROM tasks
                    WHERE run = \(run) AND state = \(LedgerTaskState.failed) ORDER BY id LIMIT \(limit)
                    """
            ).fetchAll(db).map { TaskFailure(task: $0["id"], kind: $0["kind"], error: $0["last_error"] ?? "") }
        }
    }

    /// Finished tasks (done or failed) of `run` with id above `after`, in id order, with their results: at
    /// most `limit`, and none more once their results reach `byteLimit` bytes (at least one is read).
    func outcomes(
        run: String, phase: Int? = nil, after: Int64, limit: Int, byteLimit: Int = .max
    ) throws -> [(TaskOutcome, Payload?)] {
        try read("results of run \(run)") { db in
            var sql =
                "SELECT id, phase, idx, kind, state, failures, last_error, result FROM tasks WHERE run = ? AND id > ?"
            sql += " AND state IN (?, ?)"
            var arguments: StatementArguments = [run, after, LedgerTaskState.done, LedgerTaskState.failed]
            if let phase {
                sql += " AND phase = ?"
                arguments += [phase]
            }
            sql += " ORDER BY id LIMIT ?"
            arguments += [limit]
            // A cursor, and each result read in place: a phase's results can be hundreds of MB (a statistics
            // task's covariance partial is 4 MB at D = 1024), and `fetchAll` would copy every row before
            // `Payload(blob:)` copies its arrays out again.
            var outcomes: [(TaskOutcome, Payload?)] = []
            var bytes = 0
            let rows = try Row.fetchCursor(db, sql: sql, arguments: arguments)
            while bytes < byteLimit, let row = try rows.next() {
                // Read as an integer: GRDB traps on a value its enum does not know, and the ledger is a file.
                let ok = (row["state"] as Int) == LedgerTaskState.done.rawValue
                let payload = ok ? try row.withUnsafeData(named: "result") { $0.flatMap { Payload(blob: $0) } } : nil
                let failures: Int = row["failures"]
                let outcome = TaskOutcome(
                    id: row["id"], phase: row["phase"], index: row["idx"], kind: row["kind"], ok: ok,
                    error: ok ? nil : row["last_error"], arrays: payload?.arrays.count ?? 0,
                    attempts: ok ? failures + 1 : failures)
                outcomes.append((outcome, payload))
                bytes += payload?.byteCount ?? 0
            }
            return outcomes
        }
    }
}
