import Foundation
import TestSupport
import XCTest
import ZeroMQ

@testable import Cluster

/// Roles of CURVE keys, results over the message limit, and what failures report.
final class RolesAndLimitsTests: XCTestCase {
    /// With --worker-keys and --client-keys, a client key cannot join as a worker (and so cannot take
    /// tasks), and a worker key cannot submit; the refusals name the key.
    func testClientKeyCannotJoinAsWorkerNorWorkerKeySubmit() throws {
        let harness = try ClusterHarness("roles", endpoint: try ClusterHarness.freeTCPEndpoint())
        defer { harness.tearDown() }
        let keys = harness.scratch.path("keys")
        let workers = keys.appendingPathComponent("workers")
        let clients = keys.appendingPathComponent("clients")
        for directory in [workers, clients] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let coordinatorKeys = try KeyFiles.generate(at: keys.appendingPathComponent("coordinator"))
        let workerKeys = try KeyFiles.generate(at: workers.appendingPathComponent("worker"))
        let clientKeys = try KeyFiles.generate(at: clients.appendingPathComponent("operator"))
        try harness.startCoordinator([
            "--key", keys.appendingPathComponent("coordinator.key").path, "--worker-keys", workers.path,
            "--client-keys", clients.path,
        ])
        let serverKey = keys.appendingPathComponent("coordinator.pub").path
        // A worker process holding the operator's (client) key.
        try harness.startWorker(
            "impostor", ["--key", clients.appendingPathComponent("operator.key").path, "--server-key", serverKey])
        let client = try harness.client(
            security: CurveClientSecurity(serverKey: coordinatorKeys.publicKey, keyPair: clientKeys))
        let count = 30
        let run = try client.submit(RunSubmission(name: "roles", tasks: SpinWorkload.tasks(count, iterations: 100)))
        try harness.waitUntil("the impostor's HELLO to be refused") {
            harness.log("coordinator").contains("needs the worker role")
        }
        XCTAssertEqual(try client.workers().workers.count, 0, "a client key did not join as a worker")
        XCTAssertEqual(try client.status(run: run).runs[0].done, 0)
        XCTAssertTrue(harness.log("coordinator").contains(clientKeys.publicKey.z85), "the refusal names the key")

        // A worker key may not submit.
        let context = try Context()
        let rogue = try RawPeer(
            context, name: "rogue", endpoint: harness.endpoint,
            security: CurveClientSecurity(serverKey: coordinatorKeys.publicKey, keyPair: workerKeys))
        defer { rogue.close() }
        let reply = try rogue.call("SUBMIT", #"{"tasks":[{"kind":"cluster.noop","arrays":0}]}"#, frames: [Data()])
        let error = try XCTUnwrap(RawPeer.error(reply), "a worker key's SUBMIT gets an ERROR")
        XCTAssertEqual(error.code, "forbidden")
        XCTAssertTrue(error.message.contains(workerKeys.publicKey.z85), error.message)

        // The real worker runs the run; the counts show both refusals.
        try harness.startWorker(
            "worker", ["--key", workers.appendingPathComponent("worker.key").path, "--server-key", serverKey])
        XCTAssertEqual(try client.waitForRun(run, timeout: 60).state, .completed)
        SpinWorkload.check(try client.allResults(run: run), expected: try SpinWorkload.expected(count, iterations: 100))
        XCTAssertEqual(try client.status().runs.count, 1, "the forbidden SUBMIT made no run")
        XCTAssertGreaterThanOrEqual(try client.status().protocolErrors, 2)
    }

    /// A result with a frame over the coordinator's --max-message-bytes used to be dropped by libzmq with its
    /// connection, resent, dropped again, until the lease expired (600 s). The worker now fails the task
    /// with the reason, and the run fails quickly, saying so.
    func testResultOverMaxMessageBytesFailsTheTaskWithAReason() throws {
        let harness = try ClusterHarness("too-large")
        defer { harness.tearDown() }
        let limit = 4096
        try harness.startCoordinator(["--max-message-bytes", "\(limit)"])
        try harness.startWorker("w1")
        let client = try harness.client()
        let small = TaskSpec(kind: "cluster.fill", payload: Payload(body: DiagnosticExecutors.data([100])))
        let large = TaskSpec(
            kind: "cluster.fill", payload: Payload(body: DiagnosticExecutors.data([UInt64(4 * limit)])))
        let run = try client.submit(RunSubmission(name: "large", tasks: [small, large]))
        let status = try client.waitForRun(run, timeout: 30)
        XCTAssertEqual(status.state, .failed, harness.allLogs())
        XCTAssertEqual(status.done, 1, "the small result arrived")
        let failure = try XCTUnwrap(status.failures.first)
        XCTAssertTrue(failure.error.contains("max-message-bytes"), failure.error)
        XCTAssertTrue(failure.error.contains("\(4 * limit)"), "says how large it was: \(failure.error)")
        XCTAssertTrue(harness.log("coordinator").contains("larger than --max-message-bytes"))
        let small0 = try XCTUnwrap(try client.allResults(run: run).first { $0.outcome.ok })
        XCTAssertEqual(small0.result?.arrays.first?.count, 100)
    }

    /// `attempts` of a failed task is how often it ran: the retry cap for one repeated error.
    func testFailedTaskReportsItsAttempts() throws {
        let harness = try ClusterHarness("attempts")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        try harness.startWorker("w1")
        let client = try harness.client()
        let run = try client.submit(
            RunSubmission(
                name: "fails", tasks: [TaskSpec(kind: "cluster.fail", payload: Payload(body: Data("no".utf8)))]))
        XCTAssertEqual(try client.waitForRun(run, timeout: 30).state, .failed)
        let outcome = try XCTUnwrap(try client.allResults(run: run).first?.outcome)
        XCTAssertFalse(outcome.ok)
        XCTAssertEqual(outcome.attempts, ClusterDefaults.identicalFailureLimit)
        XCTAssertEqual(
            harness.log("coordinator").components(separatedBy: "task failed").count - 1, outcome.attempts,
            "attempts equal the failures the coordinator logged")
    }
}
