import Cluster
import Foundation
import TestSupport
import XCTest
import ZeroMQ

/// The issue's proofs with real processes on loopback: lost workers, a killed coordinator, hostile input.
final class FaultToleranceTests: XCTestCase {
    /// Task count and size: ~2 ms of debug-build CPU per task, so a run lasts a few seconds on 2 cores.
    let taskCount = 2_000
    let iterations: UInt64 = 8_000

    func testKilledAndAddedWorkersCountEveryResultExactlyOnce() throws {
        let harness = try ClusterHarness("workers")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        for name in ["w1", "w2", "w3"] { try harness.startWorker(name) }
        let client = try harness.client()
        let run = try client.submit(
            RunSubmission(name: "exactly-once", tasks: SpinWorkload.tasks(taskCount, iterations: iterations)))
        try harness.waitUntil("a quarter of the run") { try client.status(run: run).runs[0].done >= taskCount / 4 }
        harness.kill9("w1")
        try harness.waitUntil("half of the run") { try client.status(run: run).runs[0].done >= taskCount / 2 }
        try harness.startWorker("w4")
        let status = try client.waitForRun(run, timeout: 120)
        XCTAssertEqual(status.state, .completed, (status.error ?? "") + "\n" + harness.allLogs())
        XCTAssertEqual(status.done, taskCount)
        XCTAssertEqual(status.failed, 0)
        SpinWorkload.check(
            try client.allResults(run: run), expected: try SpinWorkload.expected(taskCount, iterations: iterations))
        // The run can finish (stragglers re-issued) before the dead worker's heartbeats run out: wait for it.
        try harness.waitUntil("the killed worker presumed dead", timeout: 10) {
            harness.log("coordinator").contains("worker left")
        }
        XCTAssertTrue(harness.log("w4").contains("worker attached"), "the added worker took part")
    }

    func testKilledCoordinatorResumesAndWorkersReattachByThemselves() throws {
        let harness = try ClusterHarness("restart")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        for name in ["w1", "w2"] { try harness.startWorker(name) }
        var client = try harness.client()
        let run = try client.submit(
            RunSubmission(name: "restart", tasks: SpinWorkload.tasks(taskCount, iterations: iterations)))
        try harness.waitUntil("a third of the run") { try client.status(run: run).runs[0].done >= taskCount / 3 }
        let firstEpoch = try client.status().epoch
        harness.kill9("coordinator")
        try harness.startCoordinator()
        client = try harness.client()
        let status = try client.waitForRun(run, timeout: 120)
        XCTAssertNotEqual(try client.status().epoch, firstEpoch, "a new coordinator process answered")
        XCTAssertEqual(status.state, .completed, (status.error ?? "") + "\n" + harness.allLogs())
        XCTAssertEqual(status.done, taskCount)
        SpinWorkload.check(
            try client.allResults(run: run), expected: try SpinWorkload.expected(taskCount, iterations: iterations))
        for name in ["w1", "w2"] {
            XCTAssertTrue(harness.process(name)?.isRunning ?? false, "\(name) was not restarted")
        }
        XCTAssertTrue(harness.log("coordinator").contains("active_runs=1"), "the restarted coordinator resumed the run")
        try harness.waitUntil("both workers reattached") { try client.workers().workers.count == 2 }
    }

    func testHostileMessagesLeaveCoordinatorAliveAndResultUnchanged() throws {
        let harness = try ClusterHarness("hostile")
        defer { harness.tearDown() }
        try harness.startCoordinator(["--max-message-bytes", "\(1 << 20)"])
        for name in ["w1", "w2"] { try harness.startWorker(name) }
        let client = try harness.client()
        let count = 600
        let run = try client.submit(
            RunSubmission(name: "hostile", tasks: SpinWorkload.tasks(count, iterations: iterations)))
        let counted = try sendHostileMessages(to: harness.endpoint, count: 1_000)
        let status = try client.waitForRun(run, timeout: 120)
        XCTAssertEqual(status.state, .completed, (status.error ?? "") + "\n" + harness.allLogs())
        SpinWorkload.check(
            try client.allResults(run: run), expected: try SpinWorkload.expected(count, iterations: iterations))
        XCTAssertTrue(harness.process("coordinator")?.isRunning ?? false, "the coordinator survived")
        try harness.waitUntil("every malformed message counted") { try client.status().protocolErrors >= counted }
        XCTAssertEqual(try client.status().runs.count, 1, "no hostile submission created a run")
    }

    /// Sends `count` malformed or hostile messages from several sockets while the run goes on; returns how
    /// many of them the coordinator must count as protocol errors (forged results from a stranger are
    /// answered "say HELLO first" instead, and oversized frames never get past libzmq).
    private func sendHostileMessages(to endpoint: String, count: Int) throws -> Int {
        let context = try Context()
        var generator = SystemRandomNumberGenerator()
        let header = WireProtocol.header
        var counted = 0
        var sockets: [Socket] = []
        func fresh() throws -> Socket {
            let socket = try Socket(context, .dealer)
            try socket.setLinger(milliseconds: 5000)  // deliver everything before the context ends
            try socket.connect(endpoint)
            sockets.append(socket)
            return socket
        }
        var socket = try fresh()
        for index in 0..<count {
            if index % 100 == 0 { socket = try fresh() }
            let length = Int.random(in: 0...64, using: &generator)
            let random = Data((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
            var frames: [Data]
            var isCounted = true
            switch index % 10 {
            case 0: frames = [random]  // random bytes
            case 1: frames = [header]  // truncated multipart
            case 2: frames = [Data([0x53, 0x4C, 0x43, 9]), Data("STATUS".utf8), Data("{}".utf8)]  // wrong version
            case 3: frames = [header, Data("STATUS".utf8), Data([0xFF]) + random]  // body is not JSON
            case 4: frames = [header, Data("LAUNCH".utf8), Data("{}".utf8)]  // unknown command
            case 5:  // a forged result from a peer that never said HELLO
                frames = [
                    header, Data("RESULT".utf8),
                    Data(#"{"results":[{"id":1,"ok":true,"arrays":0,"seconds":0}],"credit":5}"#.utf8), Data([1, 2, 3]),
                ]
                isCounted = false
            case 6:  // a submission whose frames do not match its body
                frames = [header, Data("SUBMIT".utf8), Data(#"{"tasks":[{"kind":"cluster.noop","arrays":2}]}"#.utf8)]
            case 7: frames = [header, Data("HELLO".utf8), Data(#"{"worker":"x","window":-1}"#.utf8)]  // missing fields
            case 8: frames = [header, Data("TASKS".utf8), Data(#"{"tasks":[]}"#.utf8)]  // wrong direction
            default:
                if index % 300 == 9 {
                    // A 100 MB frame against a 1 MiB ZMQ_MAXMSGSIZE, on a connection of its own: libzmq drops it
                    // and the connection.
                    let big = try fresh()
                    _ = try big.send(try Message(count: 100 << 20) { _ in })
                    continue
                }
                frames = [header, Data("ACK".utf8), Data("{}".utf8)]
            }
            if isCounted { counted += 1 }
            _ = try socket.send(multipart: frames)
        }
        for socket in sockets { socket.close() }
        return counted
    }
}
