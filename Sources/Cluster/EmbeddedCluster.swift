import Foundation
import Logging

/// A coordinator (in this process) and N worker processes on loopback, for a single machine: one call
/// starts it, and it shuts down cleanly — no orphan processes, no leftover ipc socket — on success, on
/// failure and on Ctrl-C (SIGINT/SIGTERM while it runs).
///
/// Workers are started as `executable worker --connect ipc://... --data-root ... --parent-pid <ours>`, so
/// they also stop by themselves if this process dies without cleaning up.
public final class EmbeddedCluster: @unchecked Sendable {
    /// How to start it.
    public struct Options: Sendable {
        /// Worker processes.
        public var workers: Int
        /// Executor threads per worker process.
        public var threadsPerWorker: Int
        /// The `salience` executable (or any binary with a compatible `worker` command).
        public var executable: URL
        /// The workers' data root.
        public var dataRoot: URL
        /// The workers' output root (`--output-root`); nil: the current directory.
        public var outputRoot: URL?
        /// Where the ledger and the ipc socket go; a temporary directory (removed at shutdown) when nil.
        public var stateDirectory: URL?
        /// Planners for the coordinator, besides `flat`.
        public var planners: [String: any RunPlanner]

        /// Options for `workers` processes of `threadsPerWorker` threads.
        public init(
            workers: Int, threadsPerWorker: Int = 1, executable: URL, dataRoot: URL, outputRoot: URL? = nil,
            stateDirectory: URL? = nil, planners: [String: any RunPlanner] = [:]
        ) {
            self.outputRoot = outputRoot
            self.workers = workers
            self.threadsPerWorker = threadsPerWorker
            self.executable = executable
            self.dataRoot = dataRoot
            self.stateDirectory = stateDirectory
            self.planners = planners
        }
    }

    /// The coordinator's ipc endpoint.
    public let endpoint: String
    /// The state directory in use.
    public let stateDirectory: URL
    private let socketPath: String
    private let ownsStateDirectory: Bool
    private let coordinator: Coordinator
    private let lock = NSLock()
    private var processes: [Process] = []
    private var isShutDown = false
    private let logger: Logger

    /// How long a worker gets to stop after SIGTERM before SIGKILL.
    static let terminationGraceSeconds = 3.0

    /// Starts the coordinator and the worker processes.
    public init(options: Options, logger: Logger) throws {
        self.logger = logger
        if let directory = options.stateDirectory {
            stateDirectory = directory
            ownsStateDirectory = false
        } else {
            stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "salience-cluster-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            ownsStateDirectory = true
        }
        try FileManager.default.createDirectory(at: stateDirectory, withIntermediateDirectories: true)
        socketPath = stateDirectory.appendingPathComponent("coordinator.ipc").path
        endpoint = "ipc://\(socketPath)"
        coordinator = try Coordinator(
            configuration: CoordinatorConfiguration(
                endpoints: [endpoint], stateDirectory: stateDirectory, planners: options.planners),
            logger: logger)
        try coordinator.start()
        EmbeddedCluster.register(self)
        do {
            for index in 0..<options.workers { try startWorker(index, options: options) }
        } catch {
            shutdown()
            throw error
        }
    }

    /// MiB of training frames each local worker may hold: the workers of one machine share a quarter of its
    /// RAM (each on its own would take that quarter, N of them N quarters).
    public static func workerMemoryMiB(workers: Int, physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory)
        -> Int
    {
        max(1, Int(clamping: physicalMemory / 4 / UInt64(max(1, workers))) >> 20)
    }

    private func startWorker(_ index: Int, options: Options) throws {
        let process = Process()
        process.executableURL = options.executable
        process.arguments =
            [
                "worker", "--connect", endpoint, "--data-root", options.dataRoot.path, "--threads",
                "\(options.threadsPerWorker)", "--parent-pid", "\(getpid())", "--memory",
                "\(Self.workerMemoryMiB(workers: options.workers))",
            ] + (options.outputRoot.map { ["--output-root", $0.path] } ?? [])
        let logURL = stateDirectory.appendingPathComponent("worker-\(index).log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        lock.withLock { processes.append(process) }
    }

    /// The process ids of the worker processes.
    public var workerPIDs: [Int32] { lock.withLock { processes.map(\.processIdentifier) } }

    /// A client connected to this cluster (owned by the calling thread).
    public func client() throws -> ClusterClient { try ClusterClient(endpoint: endpoint) }

    /// Submits `submission`, waits for it to finish and returns its final status and every result.
    public func run(_ submission: RunSubmission) throws -> (status: RunStatus, results: [TaskResultRecord]) {
        let client = try client()
        let run = try client.submit(submission)
        let status = try client.waitForRun(run)
        return (status, try client.allResults(run: run))
    }

    /// Stops the workers (SIGTERM, then SIGKILL after a grace period), the coordinator, and removes the
    /// ipc socket (and the state directory when it was temporary). Idempotent.
    public func shutdown() {
        let pending: [Process]? = lock.withLock {
            if isShutDown { return nil }
            isShutDown = true
            return self.processes
        }
        guard let processes = pending else { return }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(EmbeddedCluster.terminationGraceSeconds)
        for process in processes {
            while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
        }
        coordinator.stop()
        coordinator.waitUntilStopped()
        try? FileManager.default.removeItem(atPath: socketPath)
        if ownsStateDirectory { try? FileManager.default.removeItem(at: stateDirectory) }
        EmbeddedCluster.unregister(self)
        logger.info("embedded cluster shut down", metadata: ["workers": "\(processes.count)"])
    }

    deinit { shutdown() }

    /// Runs `body` with a cluster and shuts it down afterwards, whether `body` returns or throws.
    public static func with<T>(options: Options, logger: Logger, _ body: (EmbeddedCluster) throws -> T) throws -> T {
        let cluster = try EmbeddedCluster(options: options, logger: logger)
        defer { cluster.shutdown() }
        return try body(cluster)
    }

    // MARK: Ctrl-C

    private static let registryLock = NSLock()
    nonisolated(unsafe) private static var live: [ObjectIdentifier: EmbeddedCluster] = [:]
    nonisolated(unsafe) private static var signalSources: [DispatchSourceSignal] = []

    private static func register(_ cluster: EmbeddedCluster) {
        registryLock.withLock {
            live[ObjectIdentifier(cluster)] = cluster
            guard signalSources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    let clusters = registryLock.withLock { Array(live.values) }
                    for cluster in clusters { cluster.shutdown() }
                    exit(128 + signalNumber)
                }
                source.resume()
                signalSources.append(source)
            }
        }
    }

    private static func unregister(_ cluster: EmbeddedCluster) {
        registryLock.withLock { live[ObjectIdentifier(cluster)] = nil }
    }
}
