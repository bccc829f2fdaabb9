import Foundation
import TestSupport
import XCTest
import ZeroMQ

@testable import Cluster

/// Task affinity: the coordinator prefers giving a task to a host that already ran tasks of the same data key
/// (its local column cache holds that data), without ever leaving a worker idle or losing a task.
final class AffinityTests: XCTestCase {
    func testThePreferenceWindowTakesTheBestTaskAndLosesNone() {
        var queue = TaskQueue()
        for id in Int64(1)...100 { queue.append(id) }
        // Preferred: multiples of 10 (score 2); multiples of 5 are second best; everything else 0.
        let score: (Int64) -> Int = { $0 % 10 == 0 ? 2 : $0 % 5 == 0 ? 1 : 0 }
        XCTAssertEqual(queue.popFirst(preferring: score, best: 2), 10, "the first best within the window")
        queue.pushFront(77)
        XCTAssertEqual(queue.popFirst(preferring: score, best: 2), 77, "a retry still goes first")
        var popped: [Int64] = [10]
        while let id = queue.popFirst(preferring: { _ in 0 }, best: 2) { popped.append(id) }
        XCTAssertEqual(popped.sorted(), Array(Int64(1)...100), "every task comes out exactly once")
        XCTAssertEqual(popped[1], 1, "the swapped head is next: skipped tasks stay at the front")

        var far = TaskQueue()
        for id in Int64(1)...200 { far.append(id) }
        XCTAssertEqual(
            far.popFirst(preferring: { $0 == 150 ? 2 : 0 }, best: 2), 1,
            "beyond the window the head is taken: dispatch cost stays bounded")
    }

    /// Two hand-driven workers on two hosts and a run whose tasks alternate between two datasets: once each
    /// host has been given one dataset, every later task of that dataset goes to it, although plain FIFO
    /// order would hand both hosts both datasets.
    func testEachHostKeepsGettingTheDataItAlreadyHolds() throws {
        let harness = try ClusterHarness("affinity")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        let client = try harness.client()
        var tasks = SpinWorkload.tasks(16, iterations: 10)
        for index in tasks.indices { tasks[index].affinity = index % 2 == 0 ? "dataset:a" : "dataset:b" }
        let run = try client.submit(RunSubmission(name: "affinity", tasks: tasks))

        let context = try Context()
        func worker(_ name: String) throws -> WirePeer {
            let peer = try WirePeer(context, dealerNamed: name, connectingTo: harness.endpoint)
            try peer.sayHelloUntilWelcomed(
                WireMessage(
                    .hello,
                    HelloBody(
                        worker: name, host: "host-\(name)", pid: 1, threads: 1, window: 2, credit: 2,
                        kinds: ["cluster.spin"], running: [], version: SalienceVersion.current)))
            return peer
        }
        // Task ids of a fresh ledger are 1, 2, ... in submission order: odd ids read dataset a, even ids b.
        let first = try worker("w1")
        defer { first.close() }
        var received = [try first.receiveTaskIDs(count: 2), []]
        let second = try worker("w2")
        defer { second.close() }
        received[1] = try second.receiveTaskIDs(count: 2)
        let peers = [first, second]
        var outstanding = received
        while received[0].count + received[1].count < 16 {
            for (index, peer) in peers.enumerated() where !outstanding[index].isEmpty {
                let ids = outstanding[index]
                let results = ids.map { ResultHeader(id: $0, ok: true, error: nil, arrays: 0, seconds: 0.01) }
                try peer.send(
                    WireMessage(
                        .result, ResultBody(results: results, credit: ids.count),
                        frames: ids.map { DiagnosticExecutors.data([UInt64($0)]) }))
                let remaining = 16 - received[0].count - received[1].count
                outstanding[index] = remaining > 0 ? try peer.receiveTaskIDs(count: min(2, remaining)) : []
                received[index] += outstanding[index]
            }
        }
        XCTAssertEqual(Set(received[0] + received[1]).count, 16, "every task handed out once: \(received)")
        let datasets = received.map { ids in Set(ids.map { $0 % 2 }) }
        XCTAssertEqual(datasets[0].count, 1, "w1 got both datasets: \(received[0])")
        XCTAssertEqual(datasets[1].count, 1, "w2 got both datasets: \(received[1])")
        XCTAssertNotEqual(datasets[0], datasets[1], "the hosts split the datasets: \(received)")
        for (index, peer) in peers.enumerated() where !outstanding[index].isEmpty {
            let ids = outstanding[index]
            try peer.send(
                WireMessage(
                    .result,
                    ResultBody(
                        results: ids.map { ResultHeader(id: $0, ok: true, error: nil, arrays: 0, seconds: 0.01) },
                        credit: 0), frames: ids.map { DiagnosticExecutors.data([UInt64($0)]) }))
        }
        let status = try client.waitForRun(run, timeout: 30)
        XCTAssertEqual(status.state, .completed)
        XCTAssertEqual(status.done, 16)
    }

    /// One worker that runs three kinds, a window of one, and a run whose tasks interleave the kinds: tasks go
    /// out in the order they were planned (task ids), not kind by kind. (Kinds were walked in the order of a
    /// hash set, so a scan's ccs and pca models could run before the KSG blocks planned ahead of them.)
    func testTasksOfSeveralKindsGoOutInThePlannedOrder() throws {
        let harness = try ClusterHarness("planned-order")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        let client = try harness.client()
        let kinds = ["cluster.spin", "cluster.sleep", "cluster.noop"]
        let order = [1, 0, 2, 2, 1, 0, 0, 2, 1, 1, 0, 2]
        let tasks = order.map { TaskSpec(kind: kinds[$0], payload: Payload(body: DiagnosticExecutors.data([1]))) }
        let run = try client.submit(RunSubmission(name: "planned-order", tasks: tasks))
        let peer = try WirePeer(try Context(), dealerNamed: "w1", connectingTo: harness.endpoint)
        defer { peer.close() }
        try peer.sayHelloUntilWelcomed(
            WireMessage(
                .hello,
                HelloBody(
                    worker: "w1", host: "host-w1", pid: 1, threads: 1, window: 1, credit: 1, kinds: kinds,
                    running: [], version: SalienceVersion.current)))
        var received: [Int64] = []
        while received.count < tasks.count {
            let ids = try peer.receiveTaskIDs(count: 1)
            received += ids
            try peer.send(
                WireMessage(
                    .result,
                    ResultBody(
                        results: ids.map { ResultHeader(id: $0, ok: true, error: nil, arrays: 0, seconds: 0.01) },
                        credit: received.count < tasks.count ? 1 : 0),
                    frames: ids.map { DiagnosticExecutors.data([UInt64($0)]) }))
        }
        // Task ids of a fresh ledger are 1, 2, ... in submission order.
        XCTAssertEqual(received, Array(Int64(1)...Int64(tasks.count)), "dispatch order")
        XCTAssertEqual(try client.waitForRun(run, timeout: 30).state, .completed)
    }
}
