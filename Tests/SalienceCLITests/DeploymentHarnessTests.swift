// Support for the deployment tests (ops/slurm, ops/systemd, network namespaces): processes started with
// their logs in a scratch directory and stopped by id at the end, `salience` client calls, a free port.
// It knows the CLI only (no Cluster module), as an operator would.
import Foundation
import TestSupport
import XCTest

/// Processes a deployment test starts (coordinators, workers, job scripts), their logs, and `salience`
/// client calls against the coordinator.
///
/// Every process it starts, and every process whose command line names its scratch directory (children
/// of job scripts), is stopped by id in `tearDown()`: SIGTERM, then SIGKILL after a grace period.
final class DeploymentHarness {
    /// The scratch directory; its unique path also marks the processes this test started.
    let scratch: ScratchDirectory
    private var processes: [(name: String, process: Process)] = []

    init(_ name: String) throws {
        scratch = try ScratchDirectory("salience-deploy-\(name)")
    }

    /// A path in the scratch directory.
    func path(_ name: String) -> URL { scratch.path(name) }

    /// Creates a directory in the scratch directory.
    @discardableResult
    func directory(_ name: String) throws -> URL {
        let url = scratch.path(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Starts `executable` with its output in `name.log`.
    @discardableResult
    func launch(
        _ name: String, _ executable: URL, _ arguments: [String], environment: [String: String] = [:]
    ) throws -> Process {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let log = scratch.path("\(name).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? handle.close()
        processes.append((name, process))
        return process
    }

    /// What a started process wrote so far.
    func log(_ name: String) -> String {
        (try? String(contentsOf: scratch.path("\(name).log"), encoding: .utf8)) ?? ""
    }

    /// Every log, for failure messages.
    func allLogs(limit: Int = 4000) -> String {
        processes.map { "--- \($0.name) ---\n\(log($0.name).suffix(limit))" }.joined(separator: "\n")
    }

    /// Runs `salience ARGUMENTS` to completion (client commands time out by themselves).
    func salience(_ arguments: [String], environment: [String: String]? = nil) throws -> ProcessResult {
        try runProcess(TestEnvironment.salienceBinary, arguments, environment: environment)
    }

    /// Polls `condition` every 100 ms until it holds; fails the test with every log after `timeout`, or
    /// at once when one of the processes in `alive` exits.
    func waitUntil(
        _ what: String, timeout: TimeInterval = 30, alive: [Process] = [], file: StaticString = #filePath,
        line: UInt = #line, _ condition: () throws -> Bool
    ) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? condition()) == true { return }
            if let gone = alive.first(where: { !$0.isRunning }) {
                let name = processes.first { $0.process === gone }?.name ?? "a process"
                XCTFail(
                    "\(name) exited (status \(gone.terminationStatus)) while waiting for \(what)\n\(allLogs())",
                    file: file, line: line)
                throw DeploymentTestError.exited(name, what)
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTFail("timed out waiting for \(what)\n\(allLogs())", file: file, line: line)
        throw DeploymentTestError.timedOut(what)
    }

    /// Polls `value` every 100 ms until it is not nil, and returns it.
    func waitUntilValue<Value>(
        _ what: String, timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line,
        _ value: () throws -> Value?
    ) throws -> Value {
        var found: Value?
        try waitUntil(what, timeout: timeout, file: file, line: line) {
            found = try value()
            return found != nil
        }
        guard let found else { throw DeploymentTestError.timedOut(what) }
        return found
    }

    /// Waits for `process` to exit; SIGKILLs it and fails after `timeout`.
    func waitForExit(_ process: Process, _ what: String, timeout: TimeInterval = 30) throws {
        try waitUntil("\(what) to exit", timeout: timeout) { !process.isRunning }
        process.waitUntilExit()
    }

    /// Ids of live processes whose command line mentions the scratch directory (children of job scripts
    /// included), other than this test process.
    func strayProcessIDs() -> [Int32] {
        let marker = Array(scratch.url.path.utf8)
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard pid != me, let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else {
                return false
            }
            // Zombies have an empty command line and are reaped by their parents.
            return Array(data).firstRange(of: marker) != nil
        }
    }

    /// Stops what is still running (SIGTERM, then SIGKILL after `grace`), by process id.
    func stopAll(grace: TimeInterval = 5) {
        var pids = Set(processes.filter { $0.process.isRunning }.map { $0.process.processIdentifier })
        pids.formUnion(strayProcessIDs())
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = Date().addingTimeInterval(grace)
        while Date() < deadline, processes.contains(where: { $0.process.isRunning }) || !strayProcessIDs().isEmpty {
            Thread.sleep(forTimeInterval: 0.05)
        }
        for pid in Set(processes.filter { $0.process.isRunning }.map { $0.process.processIdentifier })
            .union(strayProcessIDs())
        {
            kill(pid, SIGKILL)
        }
        for entry in processes { entry.process.waitUntilExit() }
    }

    /// Stops everything and removes the scratch directory.
    func tearDown() {
        stopAll()
        scratch.remove()
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago (bound to port 0, read back, released).
    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw DeploymentTestError.system("socket", errno) }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else { throw DeploymentTestError.system("bind", errno) }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw DeploymentTestError.system("getsockname", errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

/// Client access to a coordinator through the `salience` CLI, optionally inside a network namespace.
struct CoordinatorClient {
    /// The coordinator's endpoint.
    var endpoint: String
    /// The client's secret key file and the coordinator's public key file, when CURVE is on.
    var key: String?
    var serverKey: String?
    /// A command prefix, e.g. `["ip", "netns", "exec", "ns"]`, to run the client elsewhere.
    var prefix: [String] = []

    private var connection: [String] {
        ["--to", endpoint] + (key.map { ["--key", $0] } ?? []) + (serverKey.map { ["--server-key", $0] } ?? [])
    }

    /// Runs `salience COMMAND... --to ...` and returns its output; throws when it fails.
    func run(_ arguments: [String]) throws -> String {
        let result: ProcessResult
        if prefix.isEmpty {
            result = try runProcess(TestEnvironment.salienceBinary, arguments + connection)
        } else {
            result = try runProcess(
                URL(fileURLWithPath: prefix[0]),
                Array(prefix.dropFirst()) + [TestEnvironment.salienceBinary.path] + arguments + connection)
        }
        guard result.status == 0, !result.signalled else {
            throw DeploymentTestError.command(arguments.joined(separator: " "), result.status, result.stderr)
        }
        return result.stdout
    }

    /// `salience workers --json`: one dictionary per connected worker.
    func workers() throws -> [[String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(try run(["workers", "--json"]).utf8))
        return ((object as? [String: Any])?["workers"] as? [[String: Any]]) ?? []
    }

    /// `salience status RUN --json`: the coordinator's report.
    func status(_ runID: String? = nil) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(
            with: Data(try run(["status"] + (runID.map { [$0] } ?? []) + ["--json"]).utf8))
        return (object as? [String: Any]) ?? [:]
    }

    /// The state of one run ("running", "completed", ...).
    func runState(_ runID: String) throws -> String? {
        ((try status(runID)["runs"] as? [[String: Any]])?.first)?["state"] as? String
    }

    /// `salience submit FILE`: the new run's id.
    func submit(_ file: URL) throws -> String {
        try run(["submit", file.path]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `salience results RUN --json`: the JSON lines.
    func results(_ runID: String) throws -> String { try run(["results", runID, "--json"]) }
}

/// Why a deployment test could not go on.
enum DeploymentTestError: Error, CustomStringConvertible {
    case timedOut(String)
    case system(String, Int32)
    case command(String, Int32, String)
    case setting(String)
    case exited(String, String)

    var description: String {
        switch self {
        case .timedOut(let what): "timed out waiting for \(what)"
        case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
        case .command(let command, let status, let stderr): "`salience \(command)` exited \(status): \(stderr)"
        case .setting(let reason): reason
        case .exited(let name, let what): "\(name) exited while waiting for \(what)"
        }
    }
}

/// A worker entry's integer field (JSON numbers arrive as Int or Double).
func integer(_ value: Any?) -> Int? {
    if let value = value as? Int { return value }
    if let value = value as? Double { return Int(value) }
    return nil
}
