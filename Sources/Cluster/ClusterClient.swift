import Foundation
import ZeroMQ

/// A run to submit: a planner, its optional spec, and the tasks of the first phase.
public struct RunSubmission: Sendable {
    /// A name for people (status shows it).
    public var name: String?
    /// The planner registered in the coordinator (default `flat`).
    public var planner: String
    /// The planner's input (for example a scan spec), when it needs one.
    public var spec: Payload?
    /// The submitted tasks (phase 0 for the flat planner).
    public var tasks: [TaskSpec]
    /// Lease duration for the run's tasks, in seconds.
    public var leaseSeconds: Double?

    /// A submission.
    public init(
        name: String? = nil, planner: String = FlatPlanner.name, spec: Payload? = nil, tasks: [TaskSpec],
        leaseSeconds: Double? = nil
    ) {
        self.name = name
        self.planner = planner
        self.spec = spec
        self.tasks = tasks
        self.leaseSeconds = leaseSeconds
    }
}

/// A finished task and its result (nil when it failed).
public struct TaskResultRecord: Sendable {
    /// Which task, its phase and index, and whether it succeeded.
    public var outcome: TaskOutcome
    /// Its result.
    public var result: Payload?
}

/// Talks to a coordinator: submit, status, workers, cancel, results.
///
/// Threading: a client owns one DEALER socket and belongs to the thread that uses it.
public final class ClusterClient {
    /// The coordinator's endpoint.
    public let endpoint: String
    private let context: Context
    private let socket: Socket
    private let timeout: TimeInterval

    /// Connects to the coordinator at `endpoint` (with CURVE keys when given).
    public init(
        endpoint: String, security: CurveClientSecurity? = nil, timeout: TimeInterval = ClusterDefaults.clientTimeout
    ) throws {
        self.endpoint = endpoint
        self.timeout = timeout
        context = try Context()
        socket = try Socket(context, .dealer)
        try socket.setReceiveHighWaterMark(ClusterDefaults.highWaterMark)
        try security?.apply(to: socket)
        try socket.connect(endpoint)
    }

    deinit { socket.close() }

    /// Sends a request and waits for the reply carrying the same request id.
    private func request<Body: Encodable>(_ command: Command, _ body: Body, frames: [Data] = [], id: String) throws
        -> WireMessage
    {
        let sendDeadline = Date().addingTimeInterval(timeout)
        while !(try socket.send(multipart: WireMessage(command, body, frames: frames).encoded, dontWait: true)) {
            guard Date() < sendDeadline else { throw ClusterError.timeout(endpoint: endpoint, seconds: timeout) }
            Thread.sleep(forTimeInterval: 0.01)
        }
        let deadline = Date().addingTimeInterval(timeout)
        let poller = Poller()
        try poller.register(socket)
        while true {
            let remaining = deadline.timeIntervalSinceNow
            guard remaining > 0 else { throw ClusterError.timeout(endpoint: endpoint, seconds: timeout) }
            guard try poller.poll(timeoutMilliseconds: Int(remaining * 1000) + 1) > 0,
                let frames = try socket.receiveMultipart(dontWait: true)
            else { continue }
            let reply = try WireMessage.decode(frames[...], peer: endpoint)
            let tag = try? WireProtocol.decoder.decode(RunRequestBody.self, from: reply.body).request
            if reply.command == .error {
                let error = try reply.decodeBody(ErrorBody.self, peer: endpoint)
                if error.request == nil || error.request == id {
                    throw ClusterError.coordinatorError(code: error.code, message: error.message)
                }
                continue
            }
            if tag == id { return reply }  // anything else is a late reply to an earlier request
        }
    }

    private func newRequestID() -> String { String(UInt64.random(in: 0...UInt64.max), radix: 36) }

    /// Submits a run and returns its id.
    public func submit(_ submission: RunSubmission) throws -> String {
        let id = newRequestID()
        var frames = submission.spec?.frames ?? []
        for task in submission.tasks { frames.append(contentsOf: task.payload.frames) }
        let body = SubmitBody(
            request: id, name: submission.name, planner: submission.planner,
            specFrames: submission.spec?.frames.count ?? 0,
            leaseSeconds: submission.leaseSeconds,
            tasks: submission.tasks.map {
                SubmitTask(kind: $0.kind, arrays: $0.payload.arrays.count, affinity: $0.affinity)
            },
            version: SalienceVersion.current)
        let reply = try request(.submit, body, frames: frames, id: id)
        return try reply.decodeBody(SubmittedBody.self, peer: endpoint).run
    }

    /// Every run's status (or one run's).
    public func status(run: String? = nil) throws -> StatusReport {
        let id = newRequestID()
        let reply = try request(
            .status, RunRequestBody(request: id, run: run, version: SalienceVersion.current), id: id)
        return try reply.decodeBody(StatusReport.self, peer: endpoint)
    }

    /// The connected workers.
    public func workers() throws -> WorkersReport {
        let id = newRequestID()
        return try request(.workers, RunRequestBody(request: id, run: nil, version: SalienceVersion.current), id: id)
            .decodeBody(
                WorkersReport.self, peer: endpoint)
    }

    /// Cancels a run; returns its state afterwards.
    @discardableResult
    public func cancel(run: String) throws -> RunState {
        let id = newRequestID()
        return try request(.cancel, RunRequestBody(request: id, run: run, version: SalienceVersion.current), id: id)
            .decodeBody(
                CancelledBody.self, peer: endpoint
            ).state
    }

    /// One page of finished tasks of `run` with ids above `after`; `next` is nil after the last page.
    public func results(run: String, after: Int64 = 0, limit: Int = ClusterDefaults.resultsPageSize) throws -> (
        records: [TaskResultRecord], next: Int64?, state: RunState
    ) {
        let id = newRequestID()
        let reply = try request(
            .results,
            ResultsRequestBody(
                request: id, run: run, after: after, limit: limit, version: SalienceVersion.current), id: id)
        let page = try reply.decodeBody(ResultsPageBody.self, peer: endpoint)
        var offset = 0
        var records: [TaskResultRecord] = []
        for outcome in page.results {
            guard outcome.ok else {
                records.append(TaskResultRecord(outcome: outcome, result: nil))
                continue
            }
            let count = 1 + outcome.arrays
            guard offset + count <= reply.frames.count else {
                throw ClusterError.malformedMessage(peer: endpoint, reason: "RESULTS is missing frames")
            }
            records.append(
                TaskResultRecord(outcome: outcome, result: Payload(frames: reply.frames[offset..<offset + count])))
            offset += count
        }
        return (records, page.next, page.state)
    }

    /// Every finished task of `run`, in task id order.
    public func allResults(run: String) throws -> [TaskResultRecord] {
        var all: [TaskResultRecord] = []
        var after: Int64 = 0
        while true {
            let page = try results(run: run, after: after)
            all += page.records
            guard let next = page.next else { return all }
            after = next
        }
    }

    /// Polls until `run` is no longer running (or `timeout` passes) and returns its last status.
    public func waitForRun(_ run: String, timeout: TimeInterval = .infinity, poll: TimeInterval = 0.2) throws
        -> RunStatus
    {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            guard let status = try status(run: run).runs.first else { throw ClusterError.unknownRun(run) }
            if status.state.isFinal || Date() >= deadline { return status }
            Thread.sleep(forTimeInterval: poll)
        }
    }
}
