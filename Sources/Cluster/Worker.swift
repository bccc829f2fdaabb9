import Foundation
import Logging
import ZeroMQ

/// How a worker is set up.
public struct WorkerConfiguration: Sendable {
    /// The coordinator's endpoint.
    public var endpoint: String
    /// The root data paths in tasks are relative to.
    public var dataRoot: URL
    /// The root task outputs are confined to (`--output-root`; default the current directory).
    public var outputRoot: URL
    /// Executor threads.
    public var threads: Int
    /// Tasks held at once (queued + running); defaults to `threads * ClusterDefaults.prefetchPerThread`.
    public var window: Int
    /// CurveZMQ keys, when the coordinator requires them.
    public var security: CurveClientSecurity?
    /// Stop when the parent process with this id goes away (embedded clusters: no orphans).
    public var parentPID: Int32?

    /// A worker of `threads` threads connecting to `endpoint`.
    public init(
        endpoint: String, dataRoot: URL, outputRoot: URL? = nil, threads: Int = 1, window: Int? = nil,
        security: CurveClientSecurity? = nil, parentPID: Int32? = nil
    ) {
        self.endpoint = endpoint
        self.dataRoot = dataRoot
        self.outputRoot = outputRoot ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        self.threads = max(1, threads)
        self.window = max(1, window ?? max(1, threads) * ClusterDefaults.prefetchPerThread)
        self.security = security
        self.parentPID = parentPID
    }
}

/// A worker: says HELLO, grants credit, runs tasks on executor threads, reports results until they are
/// acknowledged, heartbeats, and reconnects by itself when the coordinator goes silent or restarts.
///
/// Threading: `start()` runs the socket loop on a thread of its own (which alone owns the DEALER socket);
/// `stop()` and `waitUntilStopped()` may be called from any thread.
public final class Worker: @unchecked Sendable {
    let configuration: WorkerConfiguration
    let logger: Logger
    let executors: [String: any TaskExecutor]
    /// This worker's id, also its ZeroMQ routing id.
    public let id: String

    private let context: Context
    private let stopLock = NSLock()
    private var stopRequested = false
    private var refusalError: ClusterError?
    private let stoppedSignal = DispatchSemaphore(value: 0)
    private var started = false

    // Loop-thread state.
    private var busy = Set<Int64>()
    private var unacked: [Int64: Completion] = [:]
    private var epoch: String?
    private var lastHeard = 0.0
    private var lastHello = 0.0
    private var lastConnect = 0.0
    private var completedCount = 0
    /// The coordinator's `--max-message-bytes` (from WELCOME; the default until then).
    private var maximumMessageBytes = ClusterDefaults.maximumMessageBytes

    /// A worker running `executors` (by their kind).
    public init(configuration: WorkerConfiguration, executors: [any TaskExecutor], logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.executors = Dictionary(executors.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        id = "\(host)-\(getpid())-\(String(UInt16.random(in: 0...UInt16.max), radix: 16))"
        context = try Context()
    }

    /// Starts the socket loop and the executor threads.
    public func start() {
        started = true
        let thread = Thread { [self] in
            loop()
            stoppedSignal.signal()
        }
        thread.name = "worker"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Asks the worker to say goodbye and stop. Safe from any thread.
    public func stop() { stopLock.withLock { stopRequested = true } }

    private var shouldStop: Bool { stopLock.withLock { stopRequested } }

    /// Why the coordinator refused this worker for good (another build), once it has; the worker then stops
    /// by itself. Safe from any thread.
    public var refusal: ClusterError? { stopLock.withLock { refusalError } }

    /// Blocks until the worker has stopped.
    public func waitUntilStopped() {
        guard started else { return }
        stoppedSignal.wait()
        stoppedSignal.signal()
    }

    /// Tasks completed since start (for logs and tests).
    public var completed: Int { stopLock.withLock { completedCount } }

    private static func now() -> Double { Date().timeIntervalSince1970 }

    private func connect() throws -> Socket {
        let socket = try Socket(context, .dealer)
        try socket.setRoutingID(Array(id.utf8))
        try socket.setSendHighWaterMark(ClusterDefaults.highWaterMark)
        try socket.setReceiveHighWaterMark(ClusterDefaults.highWaterMark)
        try socket.setReconnectInterval(milliseconds: 100, maximum: 1000)
        try configuration.security?.apply(to: socket)
        try socket.connect(configuration.endpoint)
        lastConnect = Worker.now()
        lastHeard = lastConnect
        return socket
    }

    private func send<Body: Encodable>(_ command: Command, _ body: Body, frames: [Data] = [], on socket: Socket) {
        _ = try? socket.send(multipart: WireMessage(command, body, frames: frames).encoded, dontWait: true)
    }

    private func hello(on socket: Socket, pool: ExecutorPool) {
        lastHello = Worker.now()
        let held = busy.union(unacked.keys)
        send(
            .hello,
            HelloBody(
                worker: id, host: ProcessInfo.processInfo.hostName, pid: Int(getpid()), threads: configuration.threads,
                window: configuration.window, credit: max(0, configuration.window - busy.count),
                kinds: executors.keys.sorted(), running: held.sorted(), version: SalienceVersion.current), on: socket)
    }

    private func loop() {
        let wakeEndpoint = "inproc://worker-wake-\(id)"
        guard let wake = try? Socket(context, .pull), (try? wake.bind(wakeEndpoint)) != nil else {
            logger.error("worker cannot create its wake-up socket")
            return
        }
        let pool = ExecutorPool(
            threads: configuration.threads, executors: executors, context: context, wakeEndpoint: wakeEndpoint,
            dataRoot: DataRoot(configuration.dataRoot), outputRoot: OutputRoot(configuration.outputRoot), worker: id,
            logger: logger)
        var socket: Socket
        do { socket = try connect() } catch {
            logger.error(
                "worker cannot connect", metadata: ["endpoint": "\(configuration.endpoint)", "error": "\(error)"])
            pool.stop(timeout: 1)
            return
        }
        logger.info(
            "worker started",
            metadata: [
                "worker": "\(id)", "endpoint": "\(configuration.endpoint)", "threads": "\(configuration.threads)",
                "window": "\(configuration.window)", "data_root": "\(configuration.dataRoot.path)",
                "output_root": "\(configuration.outputRoot.path)",
            ])
        hello(on: socket, pool: pool)
        var nextTick = Worker.now() + ClusterDefaults.heartbeatInterval
        while !shouldStop {
            let poller = Poller()
            _ = try? poller.register(socket)
            _ = try? poller.register(wake)
            let wait = max(0, min(100, Int((nextTick - Worker.now()) * 1000)))
            _ = try? poller.poll(timeoutMilliseconds: wait)
            while (try? wake.receive(dontWait: true)) ?? nil != nil {}
            var count = 0
            while count < ClusterDefaults.messagesPerCycle, let frames = try? socket.receiveMultipart(dontWait: true) {
                count += 1
                lastHeard = Worker.now()
                handle(frames, on: socket, pool: pool)
            }
            report(pool.takeCompletions(), on: socket)
            let now = Worker.now()
            if now >= nextTick {
                nextTick = now + ClusterDefaults.heartbeatInterval
                send(.heartbeat, HeartbeatBody(epoch: epoch, holding: busy.union(unacked.keys).sorted()), on: socket)
                // Results not acknowledged within a peer timeout were lost on the way: send them again.
                let stale = unacked.values.filter { now - $0.sentAt > ClusterDefaults.peerTimeout }.map(\.id)
                if !stale.isEmpty && epoch != nil { resend(stale.sorted(), on: socket) }
                if now - lastHeard > ClusterDefaults.peerTimeout && now - lastConnect > ClusterDefaults.peerTimeout {
                    logger.warning(
                        "coordinator silent; reconnecting",
                        metadata: [
                            "endpoint": "\(configuration.endpoint)", "silent_seconds": "\(Int(now - lastHeard))",
                        ])
                    socket.close()
                    guard let fresh = try? connect() else { break }
                    socket = fresh
                    epoch = nil
                    hello(on: socket, pool: pool)
                }
                if let parent = configuration.parentPID, getppid() != parent {
                    logger.warning("parent process exited; worker stopping", metadata: ["parent": "\(parent)"])
                    break
                }
            }
        }
        send(.bye, HeartbeatBody(epoch: epoch), on: socket)
        // Let BYE leave before the socket closes.
        try? socket.setLinger(milliseconds: 200)
        socket.close()
        wake.close()
        pool.stop(timeout: 2)
        logger.info("worker stopped", metadata: ["worker": "\(id)", "completed": "\(completed)"])
    }

    private func handle(_ frames: [Message], on socket: Socket, pool: ExecutorPool) {
        let message: WireMessage
        do { message = try WireMessage.decode(frames[...], peer: "coordinator") } catch {
            logger.warning("bad message from the coordinator", metadata: ["error": "\(error)"])
            return
        }
        switch message.command {
        case .welcome:
            guard let body = try? message.decodeBody(WelcomeBody.self, peer: "coordinator") else { return }
            if epoch != body.epoch {
                logger.info(
                    "worker attached",
                    metadata: ["coordinator_epoch": "\(body.epoch)", "resending": "\(unacked.count)"])
            }
            epoch = body.epoch
            if let limit = body.maxMessageBytes, limit > 0 { maximumMessageBytes = limit }
            resendUnacked(on: socket)
        case .tasks:
            let batch: [(TaskHeader, Payload)]
            do { batch = try WireDecoder.tasks(message, peer: "coordinator") } catch {
                logger.warning("bad TASKS from the coordinator", metadata: ["error": "\(error)"])
                return
            }
            var alreadyHeld: [Int64] = []
            for (header, payload) in batch {
                guard !busy.contains(header.id), unacked[header.id] == nil else {
                    alreadyHeld.append(header.id)
                    continue
                }
                busy.insert(header.id)
                pool.submit(
                    TaskInput(id: header.id, run: header.run, phase: header.phase, kind: header.kind, payload: payload))
            }
            if !alreadyHeld.isEmpty {
                // Not run twice; the coordinator charged a slot for each copy, so the slots go back to it (else
                // the window shrinks for good), and finished ones are delivered again.
                resend(alreadyHeld.filter { unacked[$0] != nil }, on: socket)
                send(.ready, ReadyBody(credit: alreadyHeld.count), on: socket)
            }
        case .ack:
            guard let body = try? message.decodeBody(AckBody.self, peer: "coordinator") else { return }
            for id in body.ids { unacked[id] = nil }
        case .heartbeat:
            let body = try? message.decodeBody(HeartbeatBody.self, peer: "coordinator")
            if let current = epoch, let seen = body?.epoch, seen != current {
                logger.info("coordinator restarted; saying hello again", metadata: ["epoch": "\(seen)"])
                epoch = nil
                hello(on: socket, pool: pool)
            }
        case .error:
            let body = try? message.decodeBody(ErrorBody.self, peer: "coordinator")
            if body?.code == "unknown-worker" {
                if Worker.now() - lastHello > 0.2 { hello(on: socket, pool: pool) }
            } else if body?.code == ClusterError.versionMismatchCode {
                // Another build can never be admitted: stop, and let the command fail with both versions,
                // rather than saying HELLO again forever.
                let refusal = ClusterError.coordinatorError(code: body?.code ?? "", message: body?.message ?? "")
                logger.error("coordinator refused this worker's build", metadata: ["error": "\(refusal)"])
                stopLock.withLock {
                    refusalError = refusal
                    stopRequested = true
                }
            } else {
                logger.warning(
                    "coordinator error",
                    metadata: ["code": "\(body?.code ?? "?")", "message": "\(body?.message ?? "")"])
            }
        default:
            logger.warning(
                "unexpected command from the coordinator", metadata: ["command": "\(message.command.rawValue)"])
        }
    }

    /// Sends new completions (with the credit they free) and keeps them until acknowledged.
    private func report(_ completions: [Completion], on socket: Socket) {
        guard !completions.isEmpty else { return }
        let completions = completions.map(checkedForSize)
        for completion in completions {
            busy.remove(completion.id)
            unacked[completion.id] = completion
        }
        stopLock.withLock { completedCount += completions.count }
        for start in stride(from: 0, to: completions.count, by: ClusterDefaults.tasksPerMessage) {
            let slice = completions[start..<min(completions.count, start + ClusterDefaults.tasksPerMessage)]
            sendResults(Array(slice), credit: slice.count, on: socket)
        }
    }

    private func resendUnacked(on socket: Socket) {
        resend(unacked.keys.sorted(), on: socket)
    }

    private func resend(_ ids: [Int64], on socket: Socket) {
        let completions = ids.compactMap { unacked[$0] }
        for start in stride(from: 0, to: completions.count, by: ClusterDefaults.tasksPerMessage) {
            let slice = completions[start..<min(completions.count, start + ClusterDefaults.tasksPerMessage)]
            sendResults(Array(slice), credit: 0, on: socket)
        }
    }

    /// A result with a frame over the coordinator's `--max-message-bytes` could never arrive (libzmq drops the
    /// connection, the worker reconnects and resends it, forever, until the lease expires): it becomes a
    /// failure that says why, so the task fails after its retries and the run names the cause.
    private func checkedForSize(_ completion: Completion) -> Completion {
        guard completion.ok, let largest = completion.result.frames.map(\.count).max(),
            Int64(largest) > maximumMessageBytes
        else { return completion }
        let error =
            "\(WorkerRefusal.resultTooLarge): a frame of \(largest) bytes exceeds the coordinator's "
            + "--max-message-bytes (\(maximumMessageBytes)); raise it or make the task smaller"
        logger.error("result not sent", metadata: ["task": "\(completion.id)", "error": "\(error)"])
        return Completion(id: completion.id, ok: false, result: Payload(), error: error, seconds: completion.seconds)
    }

    private func sendResults(_ completions: [Completion], credit: Int, on socket: Socket) {
        let now = Worker.now()
        for completion in completions { unacked[completion.id]?.sentAt = now }
        var headers: [ResultHeader] = []
        var frames: [Data] = []
        for completion in completions {
            headers.append(
                ResultHeader(
                    id: completion.id, ok: completion.ok, error: completion.error.map(Self.shortened),
                    arrays: completion.ok ? completion.result.arrays.count : 0, seconds: completion.seconds))
            if completion.ok { frames.append(contentsOf: completion.result.frames) }
        }
        let message = WireMessage(.result, ResultBody(results: headers, credit: credit), frames: frames)
        // The body of many results can itself pass a small limit: send them in halves (credit with the first).
        if Int64(message.body.count) > maximumMessageBytes, completions.count > 1 {
            let half = completions.count / 2
            sendResults(Array(completions[..<half]), credit: min(credit, half), on: socket)
            sendResults(Array(completions[half...]), credit: credit - min(credit, half), on: socket)
            return
        }
        _ = try? socket.send(multipart: message.encoded, dontWait: true)
    }

    /// An error text cut to `ClusterDefaults.maximumErrorBytes`, as the coordinator keeps it.
    static func shortened(_ error: String) -> String {
        guard error.utf8.count > ClusterDefaults.maximumErrorBytes else { return error }
        return String(decoding: error.utf8.prefix(ClusterDefaults.maximumErrorBytes), as: UTF8.self) + "..."
    }
}

/// Failure texts a worker itself produces (not its executors), which the coordinator recognises in logs.
enum WorkerRefusal {
    /// A result with a frame over the coordinator's `--max-message-bytes`.
    static let resultTooLarge = "result too large to send"
}
