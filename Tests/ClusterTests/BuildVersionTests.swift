import Foundation
import TestSupport
import XCTest
import ZeroMQ

@testable import Cluster

/// One build per cluster (issue 18, item 4): a real coordinator refuses a worker of another build at HELLO,
/// and a client of another build at its request, naming both versions; a peer from before the version field
/// (no `version` at all) is refused as clearly. A real worker refused this way exits with the message
/// instead of saying HELLO forever.
final class BuildVersionTests: XCTestCase {
    /// A version no build of this tree has.
    private static let other = "0.17.0+0123456789ab"

    func testVersionFlagPrintsTheBuildVersionTheClusterCompares() throws {
        let result = try runProcess(TestEnvironment.salienceBinary, ["--version"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let printed = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(printed, SalienceVersion.current)
        XCTAssertNotNil(
            printed.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+\+([0-9a-f]{7,40}|dev)$"#, options: .regularExpression), printed)
    }

    func testWorkerOfAnotherBuildIsRefusedAtHelloWithBothVersions() throws {
        let harness = try ClusterHarness("version-hello")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        let client = try harness.client()
        try harness.waitUntil("the coordinator to answer") { (try? client.status()) != nil }
        let context = try Context()
        let peer = try RawPeer(context, name: "old-worker", endpoint: harness.endpoint)
        defer { peer.close() }

        let current = RawPeer.hello("old-worker")
        let other = current.replacingOccurrences(of: SalienceVersion.current, with: Self.other)
        XCTAssertNotEqual(other, current)
        let refused = try XCTUnwrap(RawPeer.error(try peer.call("HELLO", other)), "HELLO of another build: ERROR")
        XCTAssertEqual(refused.code, "version-mismatch")
        XCTAssertTrue(
            refused.message.contains("it runs salience \(Self.other)")
                && refused.message.contains("coordinator runs salience \(SalienceVersion.current)"), refused.message)

        // A worker from before the field says no version at all.
        let withoutVersion = current.replacingOccurrences(of: #","version":"\#(SalienceVersion.current)""#, with: "")
        XCTAssertFalse(withoutVersion.contains("version"), withoutVersion)
        let old = try XCTUnwrap(RawPeer.error(try peer.call("HELLO", withoutVersion)), "HELLO without version: ERROR")
        XCTAssertEqual(old.code, "version-mismatch")
        XCTAssertTrue(
            old.message.contains("HELLO carries no build version")
                && old.message.contains("coordinator runs salience \(SalienceVersion.current)"), old.message)
        XCTAssertEqual(try client.workers().workers.count, 0, "neither joined")

        // The control: the same HELLO with this build's version is welcome.
        let welcome = try XCTUnwrap(try peer.call("HELLO", current), "no reply to a good HELLO")
        XCTAssertEqual(welcome.command, .welcome)
        XCTAssertEqual(try client.workers().workers.count, 1)
    }

    func testClientOfAnotherBuildIsRefusedAtEveryRequest() throws {
        let harness = try ClusterHarness("version-client")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        let client = try harness.client()
        try harness.waitUntil("the coordinator to answer") { (try? client.status()) != nil }
        let context = try Context()
        let peer = try RawPeer(context, name: "old-client", endpoint: harness.endpoint)
        defer { peer.close() }

        let spin = [DiagnosticExecutors.data([0, 10])]
        let requests: [(command: String, body: String, frames: [Data])] = [
            ("STATUS", "{}", []), ("WORKERS", "{}", []), ("CANCEL", #"{"run":"run-1"}"#, []),
            ("RESULTS", #"{"run":"run-1"}"#, []), ("SUBMIT", #"{"tasks":[{"kind":"cluster.spin","arrays":0}]}"#, spin),
        ]
        for request in requests {
            for theirs in [Self.other, nil] {
                var body = request.body
                if let theirs {
                    let separator = body == "{}" ? "" : ","
                    body = String(body.dropLast()) + separator + #""version":"\#(theirs)"}"#
                }
                let error = try XCTUnwrap(
                    RawPeer.error(try peer.call(request.command, body, frames: request.frames)),
                    "\(request.command) \(body): no ERROR")
                XCTAssertEqual(error.code, "version-mismatch", "\(request.command) \(body): \(error.message)")
                let said = theirs.map { "it runs salience \($0)" } ?? "\(request.command) carries no build version"
                XCTAssertTrue(
                    error.message.contains(said)
                        && error.message.contains("coordinator runs salience \(SalienceVersion.current)"),
                    error.message)
            }
        }
        XCTAssertEqual(try client.status().runs.count, 0, "a refused SUBMIT made no run")
        // The control: this build's client is answered, and may submit.
        _ = try client.submit(RunSubmission(name: "same build", tasks: SpinWorkload.tasks(1, iterations: 10)))
        XCTAssertEqual(try client.status().runs.count, 1)
    }

    /// A real `salience worker` sends this build's version, and when a coordinator of another build refuses it
    /// (a ROUTER socket here answering with the refusal that coordinator would send), it exits with status 1
    /// and the message, rather than saying HELLO again forever.
    func testWorkerRefusedForItsBuildExitsWithBothVersions() throws {
        let harness = try ClusterHarness("version-worker")
        defer { harness.tearDown() }
        let context = try Context()
        let router = try Socket(context, .router)
        defer { router.close() }
        try router.setLinger(milliseconds: 0)
        try router.bind(harness.endpoint)
        let worker = try harness.startWorker("w1")

        let poller = Poller()
        try poller.register(router)
        var hello: (identity: Data, body: HelloBody)?
        let deadline = Date().addingTimeInterval(20)
        while hello == nil, Date() < deadline {
            guard try poller.poll(timeoutMilliseconds: 100) > 0,
                let frames = try router.receiveMultipart(dontWait: true)
            else { continue }
            let message = try WireMessage.decode(frames.dropFirst(), peer: "worker")
            if message.command == .hello {
                hello = (frames[0].data, try message.decodeBody(HelloBody.self, peer: "worker"))
            }
        }
        let received = try XCTUnwrap(hello, "no HELLO from the worker\n\(harness.log("w1"))")
        XCTAssertEqual(received.body.version, SalienceVersion.current)

        let refusal = ClusterError.versionMismatch(
            peer: received.body.worker, command: "HELLO", theirs: received.body.version, ours: Self.other)
        let reply = WireMessage(.error, ErrorBody(code: ClusterError.versionMismatchCode, message: refusal.description))
        _ = try router.send(multipart: [received.identity] + reply.encoded, dontWait: false)
        try harness.waitUntil("the refused worker to exit", timeout: 20) { !worker.isRunning }
        worker.waitUntilExit()
        XCTAssertEqual(worker.terminationStatus, 1, harness.log("w1"))
        let log = harness.log("w1")
        XCTAssertTrue(log.contains(SalienceVersion.current) && log.contains(Self.other), log)
    }
}
