import Foundation
import Logging
import ZeroMQ

/// How a coordinator is set up.
public struct CoordinatorConfiguration: Sendable {
    /// Endpoints to bind (`tcp://0.0.0.0:5555`, `ipc:///run/salience.sock`, ...).
    public var endpoints: [String]
    /// Where the ledger lives.
    public var stateDirectory: URL
    /// CurveZMQ with an allowlist; required when an endpoint is not loopback.
    public var security: CurveServerSecurity?
    /// Planners by name, in addition to the built-in `flat`.
    public var planners: [String: any RunPlanner]
    /// Largest frame accepted from a peer.
    public var maximumMessageBytes: Int64

    /// A configuration binding `endpoints` with its ledger in `stateDirectory`.
    public init(
        endpoints: [String], stateDirectory: URL, security: CurveServerSecurity? = nil,
        planners: [String: any RunPlanner] = [:], maximumMessageBytes: Int64 = ClusterDefaults.maximumMessageBytes
    ) {
        self.endpoints = endpoints
        self.stateDirectory = stateDirectory
        self.security = security
        self.planners = planners
        self.maximumMessageBytes = maximumMessageBytes
    }
}

/// The coordinator: one ROUTER socket for workers and clients, a scheduler with credit, leases,
/// heartbeats and straggler re-issue, and the ledger that makes results exactly-once.
///
/// Threading: `start()` binds and then runs the socket loop on a thread of its own, which alone touches
/// the socket, the ledger and the scheduler state. `stop()` and `waitUntilStopped()` may be called from any
/// thread.
public final class Coordinator: @unchecked Sendable {
    let configuration: CoordinatorConfiguration
    let logger: Logger
    let ledger: Ledger
    let planners: [String: any RunPlanner]
    let epoch = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    let started = Date().timeIntervalSince1970

    private let context: Context
    private var socket: Socket?
    /// Set by `start()`; read under `stopLock` (SIGHUP reloads come from another thread).
    private var authenticator: ZAPAuthenticator?
    private let stopLock = NSLock()
    private var stopRequested = false
    private let stoppedSignal = DispatchSemaphore(value: 0)
    private var running = false
    /// The endpoints actually bound (with real ports for wildcards).
    public private(set) var boundEndpoints: [String] = []

    // Scheduler state: touched only by the loop thread after start().
    var workers: [Data: WorkerRecord] = [:]
    var tasks: [Int64: TaskRecord] = [:]
    var queues: [String: TaskQueue] = [:]
    var runs: [String: RunRecord] = [:]
    var runOrder: [String] = []
    var batch = LedgerBatch()
    var batchIDs = Set<Int64>()
    /// Results in `batch` by task id: who sent them and how long they took.
    var batchSenders: [Int64: (worker: Data, seconds: Double)] = [:]
    /// Acks to send once the batch is durable (worker -> task ids).
    var pendingAcks: [Data: [Int64]] = [:]
    var runsToCheck = Set<String>()
    var protocolErrors = 0
    /// See `liveLeasedCounts(now:)`.
    var leasedCountsCache: (at: Double, counts: [String: [Int: Int]])?
    /// How stale the leased counts in STATUS may be.
    static let liveCountsMaximumAge = 0.5
    var duplicateResults = 0
    /// Tasks sent to a worker that its heartbeats showed it never got (requeued).
    var lostDeliveries = 0

    /// Opens the ledger in the state directory and loads every unfinished run. Refuses a non-loopback
    /// endpoint without CURVE.
    public init(configuration: CoordinatorConfiguration, logger: Logger) throws {
        for endpoint in configuration.endpoints where configuration.security == nil && !Loopback.isLoopback(endpoint) {
            throw ClusterError.insecureConfiguration(
                "binding \(endpoint) beyond loopback requires CurveZMQ: pass --key and --allow "
                    + "(make keys with `salience keys generate`)")
        }
        self.configuration = configuration
        self.logger = logger
        var planners = configuration.planners
        planners[FlatPlanner.name] = planners[FlatPlanner.name] ?? FlatPlanner()
        self.planners = planners
        ledger = try Ledger(directory: configuration.stateDirectory)
        context = try Context()
        try load()
    }

    /// Loads runs and pending tasks from the ledger (after a restart: resumes them).
    private func load() throws {
        for run in try ledger.loadRuns() {
            let record = RunRecord(run)
            for counts in try ledger.phaseCounts(run: run.id) {
                record.phases[counts.phase] = (counts.total, counts.done, counts.failed)
            }
            runs[run.id] = record
            runOrder.append(run.id)
            if record.state == "running" { runsToCheck.insert(run.id) }
        }
        let pending = try ledger.loadPendingTasks()
        for task in pending { enqueue(TaskRecord(task)) }
        let active = runs.values.filter { $0.state == "running" }.count
        logger.info(
            "coordinator state loaded",
            metadata: [
                "ledger": "\(ledger.path)", "runs": "\(runs.count)", "active_runs": "\(active)",
                "pending_tasks": "\(pending.count)",
            ])
    }

    func enqueue(_ task: TaskRecord, front: Bool = false) {
        tasks[task.id] = task
        guard !task.queued else { return }
        task.queued = true
        if front {
            queues[task.kind, default: TaskQueue()].pushFront(task.id)
        } else {
            queues[task.kind, default: TaskQueue()].append(task.id)
        }
    }

    /// Binds the endpoints and starts the socket loop on its own thread.
    public func start() throws {
        if let security = configuration.security {
            let authenticator = try ZAPAuthenticator(context: context, allowedKeys: security.allowedKeys) {
                [logger] request, admitted in
                if !admitted {
                    logger.warning(
                        "refused a peer at the handshake",
                        metadata: [
                            "address": "\(request.address)", "mechanism": "\(request.mechanism)",
                            "key": "\(request.clientKey?.z85 ?? "-")",
                        ])
                }
            }
            stopLock.withLock { self.authenticator = authenticator }
        }
        let socket = try Socket(context, .router)
        try socket.setRouterMandatory(true)
        try socket.setRouterHandover(true)
        try socket.setMaximumMessageSize(configuration.maximumMessageBytes)
        try socket.setSendHighWaterMark(ClusterDefaults.highWaterMark)
        try socket.setReceiveHighWaterMark(ClusterDefaults.highWaterMark)
        if let security = configuration.security {
            try socket.setZAPDomain("salience")
            try socket.makeCurveServer(secretKey: security.keyPair.secretKey)
        }
        for endpoint in configuration.endpoints {
            try socket.bind(endpoint)
            boundEndpoints.append(try socket.lastEndpoint)
        }
        self.socket = socket
        running = true
        logger.info(
            "coordinator listening",
            metadata: [
                "endpoints": "\(boundEndpoints.joined(separator: " "))", "curve": "\(configuration.security != nil)",
                "epoch": "\(epoch)",
            ])
        let thread = Thread { [self] in
            loop(socket)
            socket.close()
            stopLock.withLock { self.authenticator }?.stop()
            stoppedSignal.signal()
        }
        thread.name = "coordinator"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Replaces the CURVE allowlist for the handshakes from now on (connected peers stay connected).
    /// Returns false when the coordinator has no CURVE security or has not started. Safe from any thread.
    @discardableResult
    public func replaceAllowedKeys(_ keys: Set<CurveKey>) -> Bool {
        guard let authenticator = stopLock.withLock({ self.authenticator }) else { return false }
        authenticator.setAllowedKeys(keys)
        return true
    }

    /// Asks the loop to finish its cycle and stop. Safe from any thread (and from a signal handler's queue).
    public func stop() {
        stopLock.withLock { stopRequested = true }
    }

    private var shouldStop: Bool { stopLock.withLock { stopRequested } }

    /// Blocks until the loop has stopped (returns at once if it never started).
    public func waitUntilStopped() {
        guard running else { return }
        stoppedSignal.wait()
        stoppedSignal.signal()
    }

    static func now() -> Double { Date().timeIntervalSince1970 }

    // MARK: The loop

    private func loop(_ socket: Socket) {
        let poller = Poller()
        guard (try? poller.register(socket)) != nil else { return }
        var nextTick = Coordinator.now()
        checkRuns()
        while !shouldStop {
            let wait = max(0, min(100, Int((nextTick - Coordinator.now()) * 1000)))
            do {
                if try poller.poll(timeoutMilliseconds: wait) > 0 {
                    var count = 0
                    while count < ClusterDefaults.messagesPerCycle,
                        let frames = try socket.receiveMultipart(dontWait: true)
                    {
                        count += 1
                        handle(frames, on: socket)
                    }
                }
                try flush(on: socket)
                checkRuns()
                dispatch(on: socket)
                let now = Coordinator.now()
                if now >= nextTick {
                    tick(on: socket, now: now)
                    nextTick = now + ClusterDefaults.heartbeatInterval
                }
            } catch let error as ZMQError where error.isContextTerminated {
                return
            } catch {
                // A ledger failure must not lose acknowledged work: nothing was acked; log and retry next cycle.
                logger.error("coordinator cycle failed", metadata: ["error": "\(error)"])
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        try? flush(on: socket)
        logger.info("coordinator stopped", metadata: ["epoch": "\(epoch)"])
    }

    /// A printable name of a peer's routing id.
    func peerName(_ id: Data) -> String {
        if let worker = workers[id] { return worker.name }
        if let text = String(data: id, encoding: .utf8), text.allSatisfy({ $0.isASCII && !$0.isNewline }), id.first != 0
        {
            return text
        }
        return "peer-" + id.map { String(format: "%02x", $0) }.joined()
    }

    private func handle(_ frames: [Message], on socket: Socket) {
        guard let identity = frames.first?.data else { return }
        let peer = peerName(identity)
        do {
            let message = try WireMessage.decode(frames.dropFirst(), peer: peer)
            if let worker = workers[identity] { worker.lastSeen = Coordinator.now() }
            try handle(message, from: identity, peer: peer, on: socket)
        } catch let error as ClusterError {
            protocolErrors += 1
            if protocolErrors <= 20 || protocolErrors % 100 == 0 {
                logger.warning(
                    "protocol error", metadata: ["peer": "\(peer)", "error": "\(error)", "count": "\(protocolErrors)"])
            }
            let code: String
            switch error {
            case .unsupportedVersion: code = "unsupported-version"
            case .malformedMessage: code = "malformed"
            case .unknownRun: code = "unknown-run"
            case .unknownKind: code = "unknown-planner"
            default: code = "refused"
            }
            send(.error, ErrorBody(code: code, message: error.description), to: identity, on: socket)
        } catch {
            protocolErrors += 1
            logger.warning("message failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
    }

    private func handle(_ message: WireMessage, from identity: Data, peer: String, on socket: Socket) throws {
        switch message.command {
        case .hello: try handleHello(message, from: identity, peer: peer, on: socket)
        case .ready:
            let body = try message.decodeBody(ReadyBody.self, peer: peer)
            guard let worker = try knownWorker(identity, peer: peer, on: socket) else { return }
            worker.credit = min(worker.window, worker.credit + max(0, body.credit))
        case .result: try handleResult(message, from: identity, peer: peer, on: socket)
        case .heartbeat:
            guard let worker = try knownWorker(identity, peer: peer, on: socket) else { return }
            // A body that does not parse still counts as a heartbeat (it only says "alive").
            if let holding = (try? message.decodeBody(HeartbeatBody.self, peer: peer))?.holding {
                reclaimUnlistedLeases(of: worker, holding: Set(holding), now: Coordinator.now())
            }
        case .bye:
            if let worker = workers[identity] { removeWorker(worker, reason: "said goodbye") }
        case .submit: try handleSubmit(message, from: identity, peer: peer, on: socket)
        case .status: try handleStatus(message, from: identity, peer: peer, on: socket)
        case .workers: try handleWorkers(message, from: identity, peer: peer, on: socket)
        case .cancel: try handleCancel(message, from: identity, peer: peer, on: socket)
        case .results: try handleResults(message, from: identity, peer: peer, on: socket)
        case .welcome, .tasks, .ack, .submitted, .cancelled, .error:
            throw ClusterError.malformedMessage(
                peer: peer, reason: "\(message.command.rawValue) is not sent to a coordinator")
        }
    }

    /// The worker record of `identity`; when unknown (e.g. after a coordinator restart) tells the peer to
    /// say HELLO again and returns nil.
    func knownWorker(_ identity: Data, peer: String, on socket: Socket) throws -> WorkerRecord? {
        if let worker = workers[identity] { return worker }
        send(.error, ErrorBody(code: "unknown-worker", message: "say HELLO first"), to: identity, on: socket)
        return nil
    }

    // MARK: Sending

    /// Sends a message to a peer without blocking; false when the peer is gone or its queue is full.
    @discardableResult
    func send(_ message: WireMessage, to identity: Data, on socket: Socket) -> Bool {
        do {
            return try socket.send(multipart: [identity] + message.encoded, dontWait: true)
        } catch {
            return false  // EHOSTUNREACH: the peer disconnected; heartbeats will tell.
        }
    }

    @discardableResult
    func send<Body: Encodable>(_ command: Command, _ body: Body, to identity: Data, on socket: Socket) -> Bool {
        send(WireMessage(command, body), to: identity, on: socket)
    }
}
