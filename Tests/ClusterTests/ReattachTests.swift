import Foundation
import TestSupport
import XCTest
import ZeroMQ

@testable import Cluster

/// Tasks a worker still holds when it says HELLO again (after a coordinator restart) must not cost it a
/// slot of its window for good: the coordinator does not send them again, and a worker sent a task it holds
/// gives the slot back. Both sides are checked against a hand-driven peer speaking the wire protocol, so
/// the interleaving that once stalled a restarted run under load is produced every time.
final class ReattachTests: XCTestCase {
    /// The coordinator side: a worker reattaching to a restarted coordinator with two results it never got
    /// acknowledged is sent two *other* tasks, and its resent results are accepted.
    func testRestartedCoordinatorDoesNotResendTasksTheWorkerHolds() throws {
        let harness = try ClusterHarness("reattach-coordinator")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        let client = try harness.client()
        let run = try client.submit(
            RunSubmission(name: "reattach", tasks: SpinWorkload.tasks(8, iterations: 10)))

        let context = try Context()
        let worker = try WirePeer(context, dealerNamed: "hand-worker", connectingTo: harness.endpoint)
        defer { worker.close() }
        try worker.send(WirePeer.handWorkerHello(running: []))
        let firstTasks = try worker.receiveTaskIDs(count: 2)
        XCTAssertEqual(firstTasks.count, 2, "a window of 2 gets 2 tasks")

        // The coordinator dies before it hears of them; the worker has finished both meanwhile.
        harness.kill9("coordinator")
        try harness.startCoordinator()
        try worker.sayHelloUntilWelcomed(WirePeer.handWorkerHello(running: firstTasks))
        let secondTasks = try worker.receiveTaskIDs(count: 2)
        XCTAssertEqual(secondTasks.count, 2, "the full window is offered again: \(secondTasks)")
        XCTAssertTrue(
            Set(secondTasks).isDisjoint(with: firstTasks),
            "tasks the worker holds were sent to it again: \(secondTasks) after HELLO running \(firstTasks)")

        // The results of the held tasks, resent without credit, are accepted and acknowledged.
        let results = firstTasks.map { ResultHeader(id: $0, ok: true, error: nil, arrays: 0, seconds: 0.01) }
        let frames = firstTasks.map { DiagnosticExecutors.data([UInt64($0)]) }
        try worker.send(WireMessage(.result, ResultBody(results: results, credit: 0), frames: frames))
        let acknowledged = try worker.receiveAcknowledgedIDs(count: 2)
        XCTAssertEqual(Set(acknowledged), Set(firstTasks))
        let status = try client.status(run: run).runs[0]
        XCTAssertEqual(status.done, 2, "the two resent results counted once each")
    }

    /// The worker side: a real `salience worker` sent a task whose result it holds unacknowledged resends
    /// the result and gives the slot back with READY, instead of running it twice or keeping the slot.
    func testWorkerSentATaskItHoldsGivesTheSlotBack() throws {
        let harness = try ClusterHarness("reattach-worker")
        defer { harness.tearDown() }
        let context = try Context()
        let coordinator = try WirePeer(context, routerBoundTo: harness.endpoint)
        defer { coordinator.close() }
        try harness.startWorker("w1", ["--window", "2"])

        let worker = try coordinator.awaitHello()
        try coordinator.send(WireMessage(.welcome, WelcomeBody(epoch: "e1", heartbeatMs: 1000)), to: worker)
        let task = SpinWorkload.tasks(1, iterations: 10)[0]
        let header = TaskHeader(id: 7, run: "r", phase: 0, kind: task.kind, arrays: task.payload.arrays.count)
        let tasks = WireMessage(.tasks, TasksBody(tasks: [header]), frames: task.payload.frames)
        try coordinator.send(tasks, to: worker)
        let first = try coordinator.awaitMessage(.result, from: worker)
        let firstBody = try first.decodeBody(ResultBody.self, peer: "w1")
        XCTAssertEqual(firstBody.results.map(\.id), [7])
        XCTAssertEqual(firstBody.credit, 1, "a completion frees its slot")

        // Sent again without an ACK in between (as a restarted coordinator might): resent, slot returned.
        try coordinator.send(tasks, to: worker)
        var resent: [Int64] = []
        var returnedCredit = 0
        try coordinator.receive(
            from: worker, until: { resent.contains(7) && returnedCredit >= 1 },
            handle: { message in
                switch message.command {
                case .result:
                    let body = try message.decodeBody(ResultBody.self, peer: "w1")
                    resent += body.results.map(\.id)
                    returnedCredit += body.credit
                case .ready: returnedCredit += try message.decodeBody(ReadyBody.self, peer: "w1").credit
                default: break
                }
            })
        XCTAssertEqual(resent, [7], "the held result is delivered again, once")
        XCTAssertEqual(returnedCredit, 1, "exactly the slot the duplicate took is given back")
        XCTAssertEqual(
            harness.log("w1").components(separatedBy: "task failed").count, 1, "nothing failed: \(harness.log("w1"))")
    }
}

/// One end of the wire protocol driven by hand: a DEALER posing as a worker or a ROUTER posing as the
/// coordinator. Every wait is bounded; heartbeats are answered so the real peer never presumes it dead.
final class WirePeer {
    let socket: Socket
    private let isRouter: Bool
    private var lastHeartbeat = Date.distantPast

    init(_ context: Context, dealerNamed name: String, connectingTo endpoint: String) throws {
        socket = try Socket(context, .dealer)
        isRouter = false
        try socket.setRoutingID(Array(name.utf8))
        try socket.setReconnectInterval(milliseconds: 50, maximum: 200)
        try socket.setLinger(milliseconds: 0)
        try socket.connect(endpoint)
    }

    init(_ context: Context, routerBoundTo endpoint: String) throws {
        socket = try Socket(context, .router)
        isRouter = true
        try socket.setLinger(milliseconds: 0)
        try socket.bind(endpoint)
    }

    func close() { socket.close() }

    func send(_ message: WireMessage, to peer: Data? = nil) throws {
        let frames = (peer.map { [$0] } ?? []) + message.encoded
        _ = try socket.send(multipart: frames)
    }

    /// Calls `handle` for each message (from `peer` when a router) until `done` holds; fails after `timeout`.
    func receive(
        from peer: Data? = nil, timeout: TimeInterval = 10, until done: () -> Bool,
        handle: (WireMessage) throws -> Void
    ) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !done() {
            guard Date() < deadline else { throw WaitTimedOut(what: "the expected messages", seconds: timeout) }
            keepAlive(peer)
            let poller = Poller()
            _ = try poller.register(socket)
            guard try poller.poll(timeoutMilliseconds: 100) > 0, let frames = try socket.receiveMultipart() else {
                continue
            }
            var slice = frames[...]
            if isRouter {
                guard let sender = slice.popFirst()?.data, peer == nil || sender == peer else { continue }
                lastSender = sender
            }
            try handle(try WireMessage.decode(slice, peer: "peer"))
        }
    }

    private(set) var lastSender: Data?
    /// What a worker's heartbeats list as held; nil sends heartbeats without the list.
    var heartbeatHolding: [Int64]?

    /// Heartbeats every 0.5 s, so the real peer keeps the connection.
    private func keepAlive(_ peer: Data?) {
        guard Date().timeIntervalSince(lastHeartbeat) > 0.5 else { return }
        lastHeartbeat = Date()
        if isRouter {
            guard let peer else { return }
            try? send(WireMessage(.heartbeat, HeartbeatBody(epoch: "e1")), to: peer)
        } else {
            try? send(WireMessage(.heartbeat, HeartbeatBody(epoch: nil, holding: heartbeatHolding)))
        }
    }

    // MARK: posing as a worker

    /// HELLO of the hand-driven worker: window 2, spin tasks, holding `running`.
    static func handWorkerHello(running: [Int64]) -> WireMessage {
        WireMessage(
            .hello,
            HelloBody(
                worker: "hand-worker", host: "test", pid: 1, threads: 1, window: 2, credit: 2,
                kinds: ["cluster.spin"], running: running, version: SalienceVersion.current))
    }

    /// The ids of the next `count` tasks sent to this worker.
    func receiveTaskIDs(count: Int, timeout: TimeInterval = 10) throws -> [Int64] {
        var ids: [Int64] = []
        try receive(
            timeout: timeout, until: { ids.count >= count },
            handle: { message in
                if message.command == .tasks {
                    ids += try message.decodeBody(TasksBody.self, peer: "c").tasks.map(\.id)
                }
            })
        return ids
    }

    /// The ids in the next ACKs, until `count` of them.
    func receiveAcknowledgedIDs(count: Int) throws -> [Int64] {
        var ids: [Int64] = []
        try receive(
            until: { ids.count >= count },
            handle: { message in
                if message.command == .ack { ids += try message.decodeBody(AckBody.self, peer: "c").ids }
            })
        return ids
    }

    /// Keeps the connection (heartbeats) and drops what arrives, for `seconds`.
    func pump(seconds: TimeInterval) throws {
        let until = Date().addingTimeInterval(seconds)
        try? receive(timeout: seconds, until: { Date() > until }, handle: { _ in })
    }

    /// Says `hello` every 0.5 s until WELCOME comes (the restarted coordinator may not be listening yet).
    func sayHelloUntilWelcomed(_ hello: WireMessage, timeout: TimeInterval = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var welcomed = false
        while !welcomed {
            guard Date() < deadline else { throw WaitTimedOut(what: "WELCOME", seconds: timeout) }
            try send(hello)
            let until = Date().addingTimeInterval(0.5)
            try? receive(
                timeout: 0.5, until: { welcomed || Date() > until },
                handle: { message in
                    if message.command == .welcome { welcomed = true }
                })
        }
    }

    // MARK: posing as the coordinator

    /// Waits for a HELLO and returns its sender's routing id.
    func awaitHello() throws -> Data {
        var sender: Data?
        try receive(
            until: { sender != nil },
            handle: { message in
                if message.command == .hello { sender = self.lastSender }
            })
        return try XCTUnwrap(sender)
    }

    /// The next message with `command` from `peer`.
    func awaitMessage(_ command: Command, from peer: Data) throws -> WireMessage {
        var found: WireMessage?
        try receive(
            from: peer, until: { found != nil },
            handle: { message in
                if message.command == command { found = message }
            })
        return try XCTUnwrap(found)
    }
}

/// A bounded wait that ran out.
private struct WaitTimedOut: Error, CustomStringConvertible {
    var what: String
    var seconds: TimeInterval
    var description: String { "timed out after \(seconds) s waiting for \(what)" }
}

/// Leases whose TASKS never reached the worker (lost with a dropped connection) come back by the worker's
/// heartbeats, long before the lease would expire.
final class LostDeliveryTests: XCTestCase {
    func testTasksAWorkerNeverGotAreRequeuedFromItsHeartbeats() throws {
        let harness = try ClusterHarness("lost-delivery")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        let client = try harness.client()
        let run = try client.submit(RunSubmission(name: "lost", tasks: SpinWorkload.tasks(6, iterations: 10)))

        let context = try Context()
        let worker = try WirePeer(context, dealerNamed: "hand-worker", connectingTo: harness.endpoint)
        defer { worker.close() }
        // Taken before HELLO, so every lease is younger than this clock: nothing may come back before the grace.
        let started = Date()
        try worker.send(WirePeer.handWorkerHello(running: []))
        let sent = try worker.receiveTaskIDs(count: 2)
        XCTAssertEqual(sent.count, 2)

        // The worker behaves as if that TASKS had been lost: its heartbeats say it holds nothing. The tasks
        // come back to it (its window is free again) within the grace and a heartbeat, not after 600 s.
        worker.heartbeatHolding = []
        let again = try worker.receiveTaskIDs(count: 2, timeout: ClusterDefaults.unlistedLeaseGrace + 8)
        XCTAssertEqual(Set(again), Set(sent), "the unlisted leases were requeued at the front and sent again")
        XCTAssertGreaterThanOrEqual(
            Date().timeIntervalSince(started), ClusterDefaults.unlistedLeaseGrace,
            "not before the grace: a TASKS still on the way must not be taken back")
        let status = try client.status(run: run)
        XCTAssertEqual(status.lostDeliveries, 2)
        XCTAssertEqual(status.runs[0].failed, 0, "a lost delivery is not a task failure")

        // A worker that lists what it holds keeps its leases.
        worker.heartbeatHolding = again
        try worker.pump(seconds: ClusterDefaults.unlistedLeaseGrace + 2)
        XCTAssertEqual(try client.status(run: run).lostDeliveries, 2, "listed leases are left alone")
    }
}
