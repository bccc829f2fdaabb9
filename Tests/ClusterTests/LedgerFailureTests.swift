import Foundation
import TestSupport
import XCTest

@testable import Cluster

/// A ledger that cannot commit (a full disk) must show in `status` and must not flood the log.
final class LedgerFailureTests: XCTestCase {
    /// The coordinator runs under a 2 MiB file-size limit (`ulimit -f`, SIGXFSZ ignored), so its ledger's
    /// writes fail with EFBIG as on a full disk, while results keep arriving.
    func testFullDiskShowsInStatusAndTheLogStaysQuiet() throws {
        let harness = try ClusterHarness("disk-full")
        defer { harness.tearDown() }
        let coordinator = Process()
        coordinator.executableURL = URL(fileURLWithPath: "/bin/bash")
        coordinator.arguments = [
            "-c", #"trap '' XFSZ; ulimit -f 2048; exec "$0" "$@""#, TestEnvironment.salienceBinary.path,
            "coordinator", "--bind", harness.endpoint, "--state", harness.state.path,
        ]
        let log = harness.scratch.path("limited-coordinator.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        coordinator.standardError = try FileHandle(forWritingTo: log)
        coordinator.standardOutput = coordinator.standardError
        try coordinator.run()
        defer {
            kill(coordinator.processIdentifier, SIGKILL)
            coordinator.waitUntilExit()
        }
        try harness.startWorker("w1", threads: 2)
        let client = try harness.client()
        // 400 results of 16 KiB: 6.4 MB, more than the ledger may grow.
        let tasks = (0..<400).map { _ in
            TaskSpec(kind: "cluster.fill", payload: Payload(body: DiagnosticExecutors.data([16 << 10])))
        }
        let run = try client.submit(RunSubmission(name: "full", tasks: tasks))
        try harness.waitUntil("status to show the ledger error", timeout: 60) {
            try client.status().ledgerError != nil
        }
        let error = try XCTUnwrap(try client.status().ledgerError)
        XCTAssertTrue(error.contains("nothing is acknowledged"), error)
        let status = try client.status(run: run).runs[0]
        XCTAssertLessThan(status.done, 400, "the run cannot finish on a full disk")
        // Three seconds of failing cycles (the loop retries every 0.1 s): at most a couple of log lines.
        let before = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        Thread.sleep(forTimeInterval: 3)
        let after = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        let lines = after.dropFirst(before.count).split(separator: "\n").filter { $0.contains("cycle") }
        XCTAssertLessThanOrEqual(
            lines.count, 1, "the failure is not logged every cycle:\n\(lines.joined(separator: "\n"))")
        XCTAssertTrue(after.contains("coordinator cycle failed"), "the first failure is logged:\n\(after.suffix(2000))")
        XCTAssertTrue(coordinator.isRunning, "the coordinator keeps running")
    }
}
