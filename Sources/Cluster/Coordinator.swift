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
    /// Result bytes after which a RESULTS page ends (`ClusterDefaults.resultsPageBytes`).
    public var resultsPageBytes = ClusterDefaults.resultsPageBytes

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
/// the socket, writes the ledger and changes the scheduler state; phase boundaries are planned on
/// `planningQueue`, which only reads the ledger (see `checkRuns`). `stop()` and `waitUntilStopped()` may be called from any
/// thread.
public final class Coordinator: @unchecked Sendable {
    let configuration: CoordinatorConfiguration
    let logger: Logger
    let ledger: Ledger
    /// The locked `--state` directory (released when the loop ends).
    let stateDirectory: StateDirectory
    let planners: [String: any RunPlanner]
    let epoch = String(UInt64.random(in: 0...UInt64.max), radix: 36)
    let started = Date().timeIntervalSince1970

    private let context: Context
    private var socket: Socket?
    /// Set by `start()`; read under `stopLock` (SIGHUP reloads come from another thread).
    private var authenticator: ZAPAuthenticator?
    /// Roles of the CURVE keys as Z85 (nil without CURVE); read by the loop for every message, replaced on
    /// SIGHUP from another thread, so under `stopLock`.
    private var roles: (workers: Set<String>, clients: Set<String>)?
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
    /// The data keys (`TaskSpec.affinity`) each host's workers were given, most recent last (at most
    /// `ClusterDefaults.affinitiesPerHost`): where local caches are warm. Per host, because the workers of
    /// one machine share its cache directory.
    var affinityByHost: [String: [String]] = [:]
    var runs: [String: RunRecord] = [:]
    var runOrder: [String] = []
    var batch = LedgerBatch()
    var batchIDs = Set<Int64>()
    /// Results in `batch` by task id: who sent them and how long they took.
    var batchSenders: [Int64: (worker: Data, seconds: Double)] = [:]
    /// Acks to send once the batch is durable (worker -> task ids).
    var pendingAcks: [Data: [Int64]] = [:]
    var runsToCheck = Set<String>()
    /// Runs whose next phase is being planned on `planningQueue`, with when that began.
    var planning: [String: Double] = [:]
    /// Where planning jobs leave their plans for the loop.
    let plannedPhases = PlannedPhaseMailbox()
    /// One phase boundary planned at a time: planning can hold a phase's results in memory.
    let planningQueue = DispatchQueue(label: "salience.coordinator.planning")
    var protocolErrors = 0
    /// See `liveLeasedCounts(now:)`.
    var leasedCountsCache: (at: Double, counts: [String: [Int: Int]])?
    /// How stale the leased counts in STATUS may be.
    static let liveCountsMaximumAge = 0.5
    var duplicateResults = 0
    /// The ledger failing every cycle (e.g. a full disk): shown in STATUS, logged at most every
    /// `ClusterDefaults.repeatedErrorLogInterval` (see `noteCycleFailure`).
    var ledgerFailure: (message: String, since: Double, count: Int, lastLogged: Double, suppressed: Int)?
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
        stateDirectory = try StateDirectory(configuration.stateDirectory)
        ledger = try Ledger(directory: configuration.stateDirectory)
        stateDirectory.restrictFiles()
        roles = configuration.security?.allowlist.z85
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
            for counts in try ledger.kindCounts(run: run.id) {
                record.kinds[counts.kind] = KindCounts(total: counts.total, done: counts.done, failed: counts.failed)
            }
            runs[run.id] = record
            runOrder.append(run.id)
            if record.state == .running { runsToCheck.insert(run.id) }
        }
        let pending = try ledger.loadPendingTasks()
        for task in pending { enqueue(TaskRecord(task)) }
        let active = runs.values.filter { $0.state == .running }.count
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
            stateDirectory.unlock()
            stopLock.withLock { self.authenticator }?.stop()
            stoppedSignal.signal()
        }
        thread.name = "coordinator"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Replaces the CURVE allowlist for the handshakes from now on (connected peers stay connected), and the
    /// roles for every message from now on (a key demoted from worker to client gets no further task).
    /// Returns false when the coordinator has no CURVE security or has not started. Safe from any thread.
    @discardableResult
    public func replaceAllowlist(_ allowlist: CurveAllowlist) -> Bool {
        guard let authenticator = stopLock.withLock({ self.authenticator }) else { return false }
        authenticator.setAllowedKeys(allowlist.all)
        stopLock.withLock { roles = allowlist.z85 }
        return true
    }

    /// Replaces the allowlist with `keys` in both roles.
    @discardableResult
    public func replaceAllowedKeys(_ keys: Set<CurveKey>) -> Bool {
        replaceAllowlist(CurveAllowlist(workers: keys, clients: keys))
    }

    /// The current roles (nil without CURVE).
    var currentRoles: (workers: Set<String>, clients: Set<String>)? { stopLock.withLock { roles } }

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
            // While a boundary is being planned, look for its plan every few milliseconds: every worker may be
            // idle until it is applied (at 15 GB up to 100 ms of a 0.7 s pass A -> KSG boundary went here).
            let ceiling = planning.isEmpty ? 100 : ClusterDefaults.planningPollMilliseconds
            let wait = max(0, min(ceiling, Int((nextTick - Coordinator.now()) * 1000)))
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
                try dispatch(on: socket)
                let now = Coordinator.now()
                if now >= nextTick {
                    tick(on: socket, now: now)
                    nextTick = now + ClusterDefaults.heartbeatInterval
                }
            } catch let error as ZMQError where error.isContextTerminated {
                return
            } catch {
                // A ledger failure must not lose acknowledged work: nothing was acked; note it and retry.
                noteCycleFailure(error, now: Coordinator.now())
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        try? flush(on: socket)
        logger.info("coordinator stopped", metadata: ["epoch": "\(epoch)"])
    }
}
