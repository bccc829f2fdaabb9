import Foundation

/// A connected worker, as the coordinator sees it.
final class WorkerRecord {
    let routingID: Data
    /// Whom its leases are recorded to (`PeerIdentity.holder`: name, and key under CURVE).
    let holder: String
    var name: String
    var host: String
    var pid: Int
    var threads: Int
    var window: Int
    var kinds: Set<String>
    /// Tasks we may still send it.
    var credit: Int
    /// Tasks leased to it.
    var leases = Set<Int64>()
    var done = 0
    var lastSeen: Double
    let connected: Double

    init(routingID: Data, hello: HelloBody, holder: String, now: Double) {
        self.routingID = routingID
        self.holder = holder
        name = hello.worker
        host = hello.host
        pid = hello.pid
        threads = hello.threads
        window = hello.window
        kinds = Set(hello.kinds)
        credit = min(max(0, hello.credit), hello.window)
        lastSeen = now
        connected = now
    }
}

/// A task not yet finished, with its leases.
final class TaskRecord {
    let id: Int64
    let run: String
    let phase: Int
    let index: Int
    let kind: String
    let payload: Payload
    var failures: Int
    var sameErrors: Int
    var lastError: String?
    /// Whom it was last sent to (`WorkerRecord.holder`; from the ledger after a restart): the only worker
    /// whose HELLO may claim it back.
    var holder: String?
    /// Worker routing id -> lease start time. More than one holder only for a re-issued straggler.
    var leases: [Data: Double] = [:]
    /// The planner's data key (`TaskSpec.affinity`).
    let affinity: String?
    /// Whether it sits in its kind's queue.
    var queued = false
    /// Whether a straggler copy was already issued.
    var reissued = false

    init(_ task: LedgerPendingTask) {
        id = task.id
        run = task.run
        phase = task.phase
        index = task.index
        kind = task.kind
        payload = task.payload
        failures = task.failures
        sameErrors = task.sameErrors
        lastError = task.lastError
        holder = task.holder
        affinity = task.affinity
    }
}

/// One task kind's counts within a run.
struct KindCounts {
    var total = 0
    var done = 0
    var failed = 0
    var seconds = 0.0
    var timed = 0
}

/// A run's state in memory (the ledger holds the durable copy).
final class RunRecord {
    let id: String
    let name: String?
    let planner: String
    let spec: Payload?
    let leaseSeconds: Double
    var state: RunState
    var error: String?
    var phase: Int
    /// Per phase: total, done, failed.
    var phases: [Int: (total: Int, done: Int, failed: Int)] = [:]
    /// Per task kind: tasks created, done and failed, and the summed time of those timed since this
    /// coordinator started (for STATUS's groups and the whole-run ETA).
    var kinds: [String: KindCounts] = [:]
    /// Completions per whole second, for throughput.
    var completionsPerSecond: [Int: Int] = [:]

    init(_ run: LedgerRun) {
        id = run.id
        name = run.name
        planner = run.planner
        spec = run.spec
        leaseSeconds = run.leaseSeconds
        state = run.state
        error = run.error
        phase = run.phase
    }

    func recordCompletion(now: Double) {
        completionsPerSecond[Int(now), default: 0] += 1
        if completionsPerSecond.count > Int(ClusterDefaults.throughputWindow) * 4 {
            let oldest = Int(now - ClusterDefaults.throughputWindow)
            completionsPerSecond = completionsPerSecond.filter { $0.key >= oldest }
        }
    }

    /// Tasks per second over the throughput window.
    func throughput(now: Double) -> Double {
        let oldest = Int(now - ClusterDefaults.throughputWindow)
        let count = completionsPerSecond.reduce(0) { $0 + ($1.key > oldest ? $1.value : 0) }
        return Double(count) / ClusterDefaults.throughputWindow
    }
}
