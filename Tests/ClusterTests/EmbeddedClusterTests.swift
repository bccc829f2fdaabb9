import Cluster
import Foundation
import Logging
import TestSupport
import XCTest

/// The embedded loopback cluster leaves no process and no socket behind: on success, failure and Ctrl-C.
final class EmbeddedClusterTests: XCTestCase {
    private struct Boom: Error {}

    private func isAlive(_ pid: Int32) -> Bool {
        // A zombie still answers kill(0); check /proc for its state instead.
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        return !stat.contains(") Z ")
    }

    private func options(_ scratch: ScratchDirectory) -> EmbeddedCluster.Options {
        EmbeddedCluster.Options(workers: 2, executable: TestEnvironment.salienceBinary, dataRoot: scratch.url)
    }

    private var quietLogger: Logger {
        var logger = Logger(label: "embedded-test")
        logger.logLevel = .warning
        return logger
    }

    func testRunsAndShutsDownCleanlyOnSuccessAndOnFailure() throws {
        let scratch = try ScratchDirectory("embedded")
        defer { scratch.remove() }
        var pids: [Int32] = []
        var stateDirectory: URL?
        let count = 100
        let records = try EmbeddedCluster.with(options: options(scratch), logger: quietLogger) { cluster in
            pids = cluster.workerPIDs
            stateDirectory = cluster.stateDirectory
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: cluster.endpoint.replacingOccurrences(of: "ipc://", with: "")))
            let (status, records) = try cluster.run(RunSubmission(tasks: SpinWorkload.tasks(count, iterations: 1000)))
            XCTAssertEqual(status.state, .completed)
            return records
        }
        SpinWorkload.check(records, expected: try SpinWorkload.expected(count, iterations: 1000))
        XCTAssertEqual(pids.count, 2)
        XCTAssertEqual(pids.filter(isAlive), [], "no worker outlives the cluster")
        XCTAssertFalse(FileManager.default.fileExists(atPath: try XCTUnwrap(stateDirectory).path), "no leftover socket")

        XCTAssertThrowsError(
            try EmbeddedCluster.with(options: options(scratch), logger: quietLogger) { cluster -> Void in
                pids = cluster.workerPIDs
                stateDirectory = cluster.stateDirectory
                throw Boom()
            }
        ) { XCTAssertTrue($0 is Boom) }
        XCTAssertEqual(pids.filter(isAlive), [], "no worker outlives a failed job")
        XCTAssertFalse(FileManager.default.fileExists(atPath: try XCTUnwrap(stateDirectory).path))
    }

    func testCtrlCStopsWorkersAndRemovesSocket() throws {
        let scratch = try ScratchDirectory("ctrl-c")
        defer { scratch.remove() }
        let tasks = (0..<200).map { _ in #"{"kind": "cluster.sleep", "u64": [200]}"# }.joined(separator: ",")
        let runFile = scratch.path("run.json")
        try Data(#"{"name": "long", "tasks": [\#(tasks)]}"#.utf8).write(to: runFile)
        let temporary = scratch.path("tmp")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = TestEnvironment.salienceBinary
        process.arguments = ["submit", runFile.path, "--local", "2", "--data-root", scratch.url.path]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": temporary.path]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until both workers are attached (their logs say so), then press Ctrl-C.
        var children: [Int32] = []
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let states = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
            let logs = states.flatMap { state in
                (0..<2).map { temporary.appendingPathComponent("\(state)/worker-\($0).log") }
            }
            let attached = logs.filter {
                ((try? String(contentsOf: $0, encoding: .utf8)) ?? "").contains("worker attached")
            }
            if attached.count == 2 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        children = childProcesses(of: process.processIdentifier)
        XCTAssertEqual(children.count, 2, "two worker processes")
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 128 + SIGINT)
        XCTAssertEqual(children.filter(isAlive), [], "Ctrl-C leaves no orphan worker")
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: temporary.path), [], "no leftover socket or state")
    }

    private func childProcesses(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 2 && Int32(fields[1]) == parent
        }
    }
}
