import Foundation
import TestSupport
import XCTest

/// `salience scan --to` following a run while the coordinator is restarted: the run lives in the ledger and
/// resumes, so the client must wait for the coordinator (saying so) instead of giving up after one timeout.
extension ScanClusterTests {
    func testFollowingARunRidesOutACoordinatorRestart() throws {
        let expected = try reference()
        let endpoint = "ipc://\(scratch.path("coordinator.ipc").path)"
        let state = scratch.path("state").path
        func process(_ arguments: [String], output: URL? = nil) throws -> Process {
            let process = Process()
            process.executableURL = TestEnvironment.salienceBinary
            process.arguments = arguments
            if let output {
                FileManager.default.createFile(atPath: output.path, contents: nil)
                process.standardOutput = try FileHandle(forWritingTo: output)
                process.standardError = process.standardOutput
            }
            try process.run()
            return process
        }
        let coordinatorArguments = ["coordinator", "--bind", endpoint, "--state", state, "--log-level", "error"]
        var coordinator = try process(coordinatorArguments)
        var started: [Process] = [coordinator]
        defer {
            for process in started where process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
        let spec = try writeSpec(smallSpec(output: "out-follow"), "follow.toml")
        let log = scratch.path("scan.log")
        let scan = try process(["scan", spec.path, "--to", endpoint], output: log)
        started.append(scan)
        func scanLog() -> String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
        let submittedBy = Date().addingTimeInterval(30)
        while !scanLog().contains("submitted run"), Date() < submittedBy { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertTrue(scanLog().contains("submitted run"), scanLog())

        // No worker yet, so the run cannot finish before the coordinator goes away for longer than the
        // client's 10 s timeout.
        kill(coordinator.processIdentifier, SIGKILL)
        coordinator.waitUntilExit()
        Thread.sleep(forTimeInterval: 12)
        XCTAssertTrue(scan.isRunning, "the scan gave up while the coordinator was away:\n\(scanLog())")
        coordinator = try process(coordinatorArguments)
        started.append(coordinator)
        started.append(
            try process([
                "worker", "--connect", endpoint, "--data-root", dataRoot.path, "--output-root", scratch.url.path,
                "--log-level", "error",
            ]))

        let deadline = Date().addingTimeInterval(120)
        while scan.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        XCTAssertFalse(scan.isRunning, "the scan did not finish:\n\(scanLog())")
        XCTAssertEqual(scan.terminationStatus, 0, scanLog())
        XCTAssertTrue(scanLog().contains("retrying"), "the wait is said on stderr:\n\(scanLog())")
        XCTAssertTrue(scanLog().contains("answers again"), scanLog())
        try assertSameAnswer("out-follow", expected)
    }
}
