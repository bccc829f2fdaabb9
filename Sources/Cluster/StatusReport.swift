import Foundation

/// Progress of one phase of a run.
public struct PhaseStatus: Codable, Sendable, Equatable {
    /// The phase number, from 0.
    public var phase: Int
    /// Tasks in the phase.
    public var total: Int
    /// Tasks with an accepted result.
    public var done: Int
    /// Tasks currently leased to a worker.
    public var leased: Int
    /// Tasks waiting for a worker.
    public var queued: Int
    /// Tasks marked failed after the retry cap.
    public var failed: Int
}

/// Progress of one part of a run (``ProgressGroup``).
public struct GroupStatus: Codable, Sendable, Equatable {
    /// Its name (`statistics`, `grid`, ... or a task kind).
    public var name: String
    /// Tasks in it, future phases included when its planner knows them.
    public var total: Int
    /// Tasks with an accepted result.
    public var done: Int
    /// Tasks failed for good.
    public var failed: Int
    /// Mean task time of its finished tasks, seconds (nil before the first, or after a restart).
    public var meanSeconds: Double?

    /// A group's progress.
    public init(name: String, total: Int, done: Int, failed: Int, meanSeconds: Double?) {
        self.name = name
        self.total = total
        self.done = done
        self.failed = failed
        self.meanSeconds = meanSeconds
    }
}

/// One failed task, as `status` reports it.
public struct TaskFailure: Codable, Sendable, Equatable {
    /// The task id.
    public var task: Int64
    /// Its kind.
    public var kind: String
    /// The error it failed with.
    public var error: String
}

/// The state of one run.
public struct RunStatus: Codable, Sendable, Equatable {
    /// The run id.
    public var id: String
    /// The name the submitter gave.
    public var name: String?
    /// The planner that drives its phases.
    public var planner: String
    /// `running`, `completed`, `failed` or `cancelled`.
    public var state: RunState
    /// Why it failed, when it did.
    public var error: String?
    /// Every phase so far.
    public var phases: [PhaseStatus]
    /// Sums over the phases.
    public var total: Int
    public var done: Int
    public var leased: Int
    public var queued: Int
    public var failed: Int
    /// Tasks completed per second over the last `ClusterDefaults.throughputWindow` seconds.
    public var throughput: Double
    /// Seconds until the known tasks are done at that rate (nil when unknown).
    public var etaSeconds: Double?
    /// Progress by the run's parts (its planner's groups, else one per task kind), future phases included.
    public var groups: [GroupStatus]? = nil
    /// Seconds until the whole run is done: every part's remaining tasks at its mean task time, over the
    /// connected workers' slots (nil until every unfinished part has a finished task to time).
    public var etaRunSeconds: Double? = nil
    /// Seconds the coordinator has been planning the next phase from the finished one's results (nil when it
    /// is not): a scan's phase boundary merges every statistics partial, which takes seconds at speech scale.
    public var planningSeconds: Double? = nil
    /// Failed tasks (the first few).
    public var failures: [TaskFailure]
}

/// The coordinator's answer to STATUS.
public struct StatusReport: Codable, Sendable, Equatable {
    /// Random id of this coordinator process; changes on restart.
    public var epoch: String
    /// Seconds since the coordinator started.
    public var uptimeSeconds: Double
    /// Connected workers.
    public var workers: Int
    /// The runs (all, or the one asked for).
    public var runs: [RunStatus]
    /// Messages dropped or answered with ERROR because they broke the protocol.
    public var protocolErrors: Int
    /// Results ignored because their task already had one.
    public var duplicateResults: Int
    /// Tasks sent to a worker that, by its heartbeats, never got them (lost with a dropped connection) and
    /// were queued again; nil from a coordinator that does not count them.
    public var lostDeliveries: Int? = nil
    /// Why the ledger cannot commit right now (e.g. the disk is full), and for how long; nil when healthy.
    /// While it is set no result is acknowledged, so runs stall without losing work.
    public var ledgerError: String? = nil
}

/// One worker, as `salience workers` shows it.
public struct WorkerStatus: Codable, Sendable, Equatable {
    /// The worker's id (its ZeroMQ routing id).
    public var id: String
    /// Host name it reported.
    public var host: String
    /// Its process id.
    public var pid: Int
    /// Executor threads.
    public var threads: Int
    /// Tasks it may hold at once.
    public var window: Int
    /// Tasks leased to it now.
    public var currentTasks: [Int64]
    /// Tasks it completed since it connected.
    public var done: Int
    /// Seconds since the last message from it.
    public var lastHeartbeatSecondsAgo: Double
    /// Seconds since it said HELLO.
    public var connectedSeconds: Double
}

/// The coordinator's answer to WORKERS.
public struct WorkersReport: Codable, Sendable, Equatable {
    /// Connected workers.
    public var workers: [WorkerStatus]
}
