import Foundation

// Bodies of the worker <-> coordinator commands (cluster/PROTOCOL.md, "Worker dialogue").

/// HELLO: a worker introduces itself (again after a reconnect).
struct HelloBody: Codable {
    var worker: String
    var host: String
    var pid: Int
    var threads: Int
    /// How many tasks the worker will hold at once (its credit window).
    var window: Int
    /// Free slots now (window minus tasks held).
    var credit: Int
    /// Task kinds it can run.
    var kinds: [String]
    /// Tasks it holds from an earlier connection (still running or waiting to run).
    var running: [Int64]
    /// Its build (`SalienceVersion.current`); the coordinator refuses any other, and its absence (a build
    /// from before the field).
    var version: String? = nil
}

/// WELCOME: the coordinator accepts a worker.
struct WelcomeBody: Codable {
    var epoch: String
    var heartbeatMs: Int
    /// The coordinator's `--max-message-bytes`: a worker fails a task whose result has a bigger frame instead
    /// of sending it (libzmq would drop the connection, and the result would be resent forever). Absent from
    /// older coordinators.
    var maxMessageBytes: Int64? = nil
}

/// READY: a worker grants more credit.
struct ReadyBody: Codable, PlainKeys {
    var credit: Int
}

/// One task inside TASKS; its payload is `1 + arrays` frames, in order.
struct TaskHeader: Codable {
    var id: Int64
    var run: String
    var phase: Int
    var kind: String
    var arrays: Int
}

/// TASKS: a batch of leased tasks.
struct TasksBody: Codable, PlainKeys {
    var tasks: [TaskHeader]
}

/// One result inside RESULT; when `ok`, its payload is `1 + arrays` frames, in order.
struct ResultHeader: Codable {
    var id: Int64
    var ok: Bool
    var error: String?
    var arrays: Int
    var seconds: Double
}

/// RESULT: a batch of finished tasks, plus new credit.
struct ResultBody: Codable, PlainKeys {
    var results: [ResultHeader]
    var credit: Int
}

/// ACK: results now durable in the ledger (or already known); the worker may forget them.
struct AckBody: Codable, PlainKeys {
    var ids: [Int64]
}

/// HEARTBEAT in either direction.
struct HeartbeatBody: Codable, PlainKeys {
    var epoch: String?
    /// From a worker: every task it holds (queued, running, or finished and not yet acknowledged), so that
    /// the coordinator can take back leases whose TASKS never reached it. Absent from the coordinator.
    var holding: [Int64]? = nil
}

// Bodies of the client commands (cluster/PROTOCOL.md, "Client dialogue").

/// One task inside SUBMIT; its payload is `1 + arrays` frames, after the spec frames.
struct SubmitTask: Codable {
    var kind: String
    var arrays: Int
    /// Optional data key (`TaskSpec.affinity`): prefer workers on hosts that ran tasks with the same key.
    var affinity: String? = nil
}

/// SUBMIT: a new run.
struct SubmitBody: Codable, PlainKeys {
    var request: String?
    var name: String?
    var planner: String?
    /// Frames of the planner's spec payload at the start of the data frames (0: none).
    var specFrames: Int?
    var leaseSeconds: Double?
    var tasks: [SubmitTask]?
    /// The client's build, as in HELLO.
    var version: String? = nil

    enum CodingKeys: String, CodingKey {
        case request, name, planner, tasks, version
        case specFrames = "spec_frames"
        case leaseSeconds = "lease_seconds"
    }
}

/// SUBMITTED: the run's id.
struct SubmittedBody: Codable {
    var request: String?
    var run: String
    var tasks: Int
}

/// STATUS / WORKERS / CANCEL request.
struct RunRequestBody: Codable {
    var request: String?
    var run: String?
    /// The client's build, as in HELLO.
    var version: String? = nil
}

/// RESULTS request: a page of results of `run` with task ids above `after`.
struct ResultsRequestBody: Codable {
    var request: String?
    var run: String
    var after: Int64?
    var limit: Int?
    /// The client's build, as in HELLO.
    var version: String? = nil
}

/// One finished task inside a RESULTS reply; when `ok`, its payload is `1 + arrays` frames.
public struct TaskOutcome: Codable, Sendable, Equatable {
    /// The task id (unique in the coordinator).
    public var id: Int64
    /// The phase the task belongs to.
    public var phase: Int
    /// The task's position in its phase.
    public var index: Int
    /// The task kind.
    public var kind: String
    /// Whether it succeeded.
    public var ok: Bool
    /// The error of its last failure, when failed.
    public var error: String?
    /// Number of array frames of its result.
    public var arrays: Int
    /// How many times it was run: its failures, plus the success when `ok`. Nil from a coordinator that did
    /// not report it.
    public var attempts: Int? = nil
}

/// RESULTS reply.
struct ResultsPageBody: Codable {
    var request: String?
    var run: String
    var state: RunState
    var results: [TaskOutcome]
    /// Pass as `after` for the next page; nil when this was the last.
    var next: Int64?
}

/// CANCELLED reply.
struct CancelledBody: Codable {
    var request: String?
    var run: String
    var state: RunState
}
