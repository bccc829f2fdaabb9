import Foundation
import TestSupport
import XCTest
import ZeroMQ

@testable import Cluster

/// Single messages that once killed the coordinator (integer overflow traps) or that it wrongly accepted.
/// Each must be refused with an ERROR naming the peer and the field, be counted in `protocol_errors`, leave
/// the ledger without a run, and leave the coordinator alive to answer the next request.
final class HostileMessageTests: XCTestCase {
    func testOverflowingCountsAndCreditsAreRefusedAndTheCoordinatorLives() throws {
        let harness = try ClusterHarness("hostile-numbers")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        let client = try harness.client()
        _ = try client.status()
        let context = try Context()
        let attacker = try RawPeer(context, name: "attacker", endpoint: harness.endpoint)
        defer { attacker.close() }
        let one = [Data([1])]
        let huge = "\(Int.max)"
        let cases: [(what: String, command: String, body: String, frames: [Data])] = [
            ("SUBMIT arrays = Int.max", "SUBMIT", #"{"tasks":[{"kind":"x","arrays":\#(huge)}]}"#, one),
            (
                "SUBMIT spec_frames = Int.max", "SUBMIT",
                #"{"spec_frames":\#(huge),"tasks":[{"kind":"x","arrays":0}]}"#, one
            ),
            (
                "SUBMIT two arrays of 2^62", "SUBMIT",
                #"{"tasks":[{"kind":"x","arrays":\#(1 << 62)},{"kind":"x","arrays":\#(1 << 62)}]}"#, one
            ),
            (
                "RESULT arrays = Int.max, never said HELLO", "RESULT",
                #"{"results":[{"id":1,"ok":true,"arrays":\#(huge),"seconds":0}],"credit":0}"#, one
            ),
            ("SUBMIT without tasks", "SUBMIT", #"{"name":"empty"}"#, []),
            ("SUBMIT with an empty task list", "SUBMIT", #"{"tasks":[]}"#, []),
            ("STATUS with a data frame", "STATUS", "{}", one),
            (
                "SUBMIT lease_seconds = 1e300", "SUBMIT", #"{"lease_seconds":1e300,"tasks":[{"kind":"x","arrays":0}]}"#,
                one
            ),
            ("HELLO credit = Int.max", "HELLO", RawPeer.hello("attacker", credit: huge), []),
        ]
        var refused = 0
        for item in cases {
            let reply = try attacker.call(item.command, item.body, frames: item.frames)
            let error = try XCTUnwrap(RawPeer.error(reply), "\(item.what): no ERROR reply\n\(harness.allLogs())")
            XCTAssertEqual(error.code, "malformed", item.what)
            XCTAssertTrue(
                error.message.contains("attacker"), "\(item.what): the refusal names the peer: \(error.message)")
            refused += 1
        }
        // A RESULT after the refused HELLO: the peer is no worker, so it is told to say HELLO (no crash).
        let afterHello = try attacker.call("RESULT", #"{"results":[],"credit":1}"#)
        XCTAssertEqual(RawPeer.error(afterHello)?.code, "unknown-worker")

        // A real HELLO, then credits of Int.max in READY and RESULT.
        let welcome = try attacker.call("HELLO", RawPeer.hello("attacker", window: 2, credit: "2"))
        XCTAssertEqual(welcome?.command, .welcome, "a well-formed HELLO is welcomed")
        for (command, body) in [("READY", #"{"credit":\#(huge)}"#), ("RESULT", #"{"results":[],"credit":\#(huge)}"#)] {
            let error = try XCTUnwrap(RawPeer.error(try attacker.call(command, body)), "\(command): no ERROR reply")
            XCTAssertEqual(error.code, "malformed", command)
            XCTAssertTrue(error.message.contains("credit"), "\(command): names the field: \(error.message)")
            refused += 1
        }
        XCTAssertTrue(
            harness.process("coordinator")?.isRunning ?? false, "the coordinator survived\n\(harness.allLogs())")
        let status = try client.status()
        XCTAssertEqual(status.protocolErrors, refused, "each refusal is counted once")
        XCTAssertTrue(status.runs.isEmpty, "no refused submission left a run in the ledger")
        XCTAssertTrue(harness.log("coordinator").contains("protocol error"), "refusals are logged")
        // The coordinator still works: a proper run completes (a worker joins now).
        try harness.startWorker("w1")
        let run = try client.submit(RunSubmission(name: "after", tasks: SpinWorkload.tasks(20, iterations: 100)))
        XCTAssertEqual(try client.waitForRun(run, timeout: 60).state, .completed)
        SpinWorkload.check(try client.allResults(run: run), expected: try SpinWorkload.expected(20, iterations: 100))
    }

    /// Task ids are sequential, so a peer could name any of them in HELLO `running` and take them. Only tasks
    /// last sent to that very worker are given back; results for the others are not accepted.
    func testHelloCannotClaimTasksThatWereNeverSentToThePeer() throws {
        let harness = try ClusterHarness("hostile-claims")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        let client = try harness.client()
        let count = 12
        let run = try client.submit(RunSubmission(name: "claims", tasks: SpinWorkload.tasks(count, iterations: 100)))
        let context = try Context()
        let thief = try RawPeer(context, name: "thief", endpoint: harness.endpoint)
        defer { thief.close() }
        let claimed = Array(Int64(1)...Int64(count))
        let welcome = try thief.call(
            "HELLO", RawPeer.hello("thief", window: count, credit: "0", running: claimed, kinds: #"["cluster.none"]"#))
        XCTAssertEqual(welcome?.command, .welcome)
        let thiefStatus = try XCTUnwrap(try client.workers().workers.first { $0.id == "thief" })
        XCTAssertEqual(thiefStatus.currentTasks, [], "no task was leased to a peer that was never sent one")
        // Forged results for every claimed task: none is accepted.
        let headers = claimed.map { #"{"id":\#($0),"ok":true,"arrays":0,"seconds":0}"# }.joined(separator: ",")
        let forged = claimed.map { _ in DiagnosticExecutors.data([0xDEAD_BEEF]) }
        try thief.send("RESULT", #"{"results":[\#(headers)],"credit":0}"#, frames: forged)
        _ = try thief.receive(timeout: 1)
        XCTAssertEqual(try client.status(run: run).runs[0].done, 0, "forged results were not accepted")
        try harness.startWorker("w1")
        XCTAssertEqual(try client.waitForRun(run, timeout: 60).state, .completed)
        SpinWorkload.check(try client.allResults(run: run), expected: try SpinWorkload.expected(count, iterations: 100))
        XCTAssertTrue(harness.log("coordinator").contains("not leased to this worker"))
    }
}
