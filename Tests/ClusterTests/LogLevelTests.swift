import Cluster
import Foundation
import TestSupport
import XCTest

/// What the coordinator's log calls an event decides who gets paged: a client's typo and a worker's normal
/// shutdown are routine (info), not protocol errors or warnings (issue 18, item 12).
final class LogLevelTests: XCTestCase {
    func testUnknownRunIsAnsweredButNotAProtocolErrorAndByeIsInfo() throws {
        let harness = try ClusterHarness("log-levels")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        let worker = try harness.startWorker("w1")
        let client = try harness.client()
        try harness.waitUntil("w1 to join") { try client.workers().workers.count == 1 }

        // The client is told (the coordinator's ERROR names the run) ...
        XCTAssertThrowsError(try client.status(run: "run-typo")) { error in
            XCTAssertTrue("\(error)".contains("run-typo"), "\(error)")
            XCTAssertTrue("\(error)".contains("unknown-run"), "\(error)")
        }
        // ... but nothing broke the protocol.
        XCTAssertEqual(try client.status().protocolErrors, 0)
        let afterTypo = harness.log("coordinator")
        XCTAssertFalse(afterTypo.contains("protocol error"), afterTypo)
        let typoLine = try XCTUnwrap(afterTypo.split(separator: "\n").first { $0.contains("run-typo") }, afterTypo)
        XCTAssertTrue(typoLine.contains(" info "), String(typoLine))

        // SIGTERM: the worker stops gracefully and says BYE.
        worker.terminate()
        worker.waitUntilExit()
        try harness.waitUntil("w1 to be gone") { try client.workers().workers.isEmpty }
        let log = harness.log("coordinator")
        let left = try XCTUnwrap(log.split(separator: "\n").first { $0.contains("worker left") }, log)
        XCTAssertTrue(left.contains("said goodbye"), String(left))
        XCTAssertTrue(left.contains(" info "), String(left))
        XCTAssertFalse(left.contains("warning"), String(left))
    }
}
