import Cluster
import Foundation
import Logging
import TestSupport
import XCTest
import ZeroMQ

/// Real `salience coordinator` / `salience worker` processes for the cluster tests, with their logs in a
/// scratch directory; everything still running is SIGKILLed by `tearDown()`.
final class ClusterHarness {
    let scratch: ScratchDirectory
    let state: URL
    let dataRoot: URL
    private(set) var endpoint: String
    private var processes: [String: Process] = [:]
    private var logs: [String: URL] = [:]
    /// In-process peers (`inProcessCoordinator`, `inProcessWorker`), stopped by `tearDown()`: workers first.
    private var inProcessWorkers: [Worker] = []
    private var inProcessCoordinators: [Coordinator] = []

    init(_ name: String, endpoint: String? = nil) throws {
        scratch = try ScratchDirectory("cluster-\(name)")
        state = scratch.path("state")
        dataRoot = scratch.path("data")
        try FileManager.default.createDirectory(at: dataRoot, withIntermediateDirectories: true)
        self.endpoint = endpoint ?? "ipc://\(scratch.path("coordinator.ipc").path)"
    }

    /// A free TCP port on 127.0.0.1 (bound and released; good enough for a test).
    static func freeTCPEndpoint() throws -> String {
        let context = try Context()
        let socket = try Socket(context, .router)
        try socket.bind("tcp://127.0.0.1:*")
        let endpoint = try socket.lastEndpoint
        socket.close()
        return endpoint
    }

    @discardableResult
    func launch(_ name: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = TestEnvironment.salienceBinary
        process.arguments = arguments
        let log = scratch.path("\(name).log")
        if !FileManager.default.fileExists(atPath: log.path) {
            FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        let handle = try FileHandle(forWritingTo: log)
        handle.seekToEndOfFile()
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        processes[name] = process
        logs[name] = log
        return process
    }

    @discardableResult
    func startCoordinator(_ extra: [String] = []) throws -> Process {
        try launch("coordinator", ["coordinator", "--bind", endpoint, "--state", state.path] + extra)
    }

    @discardableResult
    func startWorker(_ name: String, threads: Int = 1, _ extra: [String] = []) throws -> Process {
        try launch(
            name,
            ["worker", "--connect", endpoint, "--data-root", dataRoot.path, "--threads", "\(threads)"] + extra)
    }

    func process(_ name: String) -> Process? { processes[name] }

    func log(_ name: String) -> String { (try? String(contentsOf: scratch.path("\(name).log"), encoding: .utf8)) ?? "" }

    /// The end of every process's log, for a failure message.
    func allLogs(limit: Int = 3000) -> String {
        logs.keys.sorted().map { "--- \($0) ---\n\(log($0).suffix(limit))" }.joined(separator: "\n")
    }

    /// SIGKILLs a process and waits for it.
    func kill9(_ name: String) {
        guard let process = processes[name] else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// A client; waits until the coordinator answers.
    func client(security: CurveClientSecurity? = nil, timeout: TimeInterval = 10) throws -> ClusterClient {
        let client = try ClusterClient(endpoint: endpoint, security: security, timeout: timeout)
        return client
    }

    /// Polls `condition` every 50 ms until it holds or `timeout` passes.
    func waitUntil(_ what: String, timeout: TimeInterval = 30, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTFail("timed out waiting for \(what)\n--- coordinator log ---\n\(log("coordinator").suffix(3000))")
        throw XCTSkip("gave up waiting for \(what)")
    }

    /// A started coordinator in this process on the harness's endpoint and state, for what the command line
    /// cannot give it (planners, settings); `configure` adjusts its configuration first.
    func inProcessCoordinator(
        planners: [String: any RunPlanner] = [:], configure: (inout CoordinatorConfiguration) -> Void = { _ in }
    ) throws -> Coordinator {
        var configuration = CoordinatorConfiguration(endpoints: [endpoint], stateDirectory: state, planners: planners)
        configure(&configuration)
        let coordinator = try Coordinator(configuration: configuration, logger: Self.quietLogger)
        try coordinator.start()
        inProcessCoordinators.append(coordinator)
        return coordinator
    }

    /// A started worker in this process with the diagnostic executors.
    @discardableResult
    func inProcessWorker(threads: Int, window: Int? = nil) throws -> Worker {
        let worker = try Worker(
            configuration: WorkerConfiguration(
                endpoint: endpoint, dataRoot: dataRoot, threads: threads, window: window),
            executors: DiagnosticExecutors.all, logger: Self.quietLogger)
        worker.start()
        inProcessWorkers.append(worker)
        return worker
    }

    private static var quietLogger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    func tearDown() {
        for worker in inProcessWorkers { worker.stop() }
        for worker in inProcessWorkers { worker.waitUntilStopped() }
        for coordinator in inProcessCoordinators {
            coordinator.stop()
            coordinator.waitUntilStopped()
        }
        for process in processes.values where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        scratch.remove()
    }
}

/// The spin workload every cluster test uses: task i sums splitMix64 over [i * stride, i * stride + count).
enum SpinWorkload {
    static let stride: UInt64 = 1_000_003

    static func tasks(_ count: Int, iterations: UInt64) -> [TaskSpec] {
        (0..<count).map { index in
            TaskSpec(
                kind: "cluster.spin",
                payload: Payload(body: DiagnosticExecutors.data([UInt64(index) &* stride, iterations])))
        }
    }

    /// The undisturbed result of each task, computed in this process without any cluster.
    static func expected(_ count: Int, iterations: UInt64) throws -> [UInt64] {
        let executor = SpinExecutor()
        let context = TaskContext(
            dataRoot: DataRoot(URL(fileURLWithPath: "/")), logger: .init(label: "test"), threadIndex: 0)
        return try tasks(count, iterations: iterations).enumerated().map { index, spec in
            let result = try executor.execute(
                TaskInput(id: Int64(index), run: "local", phase: 0, kind: spec.kind, payload: spec.payload),
                context: context)
            return DiagnosticExecutors.words(result.body)?.first ?? 0
        }
    }

    /// Checks that every task index has exactly one successful result equal to the undisturbed one, and
    /// that the reduction (wrapping sum) matches.
    static func check(
        _ records: [TaskResultRecord], expected: [UInt64], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(records.count, expected.count, "one result per task", file: file, line: line)
        XCTAssertEqual(Set(records.map(\.outcome.id)).count, records.count, "task ids unique", file: file, line: line)
        var byIndex = [UInt64?](repeating: nil, count: expected.count)
        for record in records {
            XCTAssertTrue(
                record.outcome.ok, "task \(record.outcome.id) failed: \(record.outcome.error ?? "")", file: file,
                line: line)
            guard record.outcome.index < expected.count, byIndex[record.outcome.index] == nil else {
                XCTFail("index \(record.outcome.index) counted twice or out of range", file: file, line: line)
                continue
            }
            byIndex[record.outcome.index] = record.result.flatMap { DiagnosticExecutors.words($0.body)?.first }
        }
        // Named task by task (a few at most): thousands of numbers in one message help nobody.
        let missing = byIndex.indices.filter { byIndex[$0] == nil }
        let wrong = byIndex.indices.filter { byIndex[$0] != nil && byIndex[$0] != expected[$0] }
        XCTAssertTrue(
            missing.isEmpty, "\(missing.count) task(s) without a result, first: \(missing.prefix(8))", file: file,
            line: line)
        XCTAssertTrue(
            wrong.isEmpty, "\(wrong.count) result(s) differ from the undisturbed run, first: \(wrong.prefix(8))",
            file: file, line: line)
        let reduction = records.reduce(UInt64(0)) {
            $0 &+ (DiagnosticExecutors.words($1.result?.body ?? Data())?.first ?? 0)
        }
        XCTAssertEqual(
            reduction, expected.reduce(0, &+), "reduction equals the undisturbed run", file: file, line: line)
    }
}
