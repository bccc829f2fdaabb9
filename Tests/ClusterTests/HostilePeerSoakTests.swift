import Foundation
import TestSupport
import XCTest
import ZeroMQ

@testable import Cluster

/// A run under a bounded stream of hostile messages from authenticated peers (CURVE, keys of both roles),
/// over real libzmq sockets: malformed, oversized, wrong-version, wrong-role, overflowing and replayed. The
/// run's results must equal the undisturbed ones, and the coordinator's memory must come back.
final class HostilePeerSoakTests: XCTestCase {
    static let iterations: UInt64 = 20_000
    static let tasks = 400
    static let messages = 1_500

    func testRunUnderHostileStreamMatchesUndisturbedRunAndMemoryReturns() throws {
        let harness = try ClusterHarness("soak", endpoint: try ClusterHarness.freeTCPEndpoint())
        defer { harness.tearDown() }
        let keys = harness.scratch.path("keys")
        let workerList = keys.appendingPathComponent("workers")
        let clientList = keys.appendingPathComponent("clients")
        for directory in [workerList, clientList] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        let serverKeys = try KeyFiles.generate(at: keys.appendingPathComponent("coordinator"))
        let workerKeys = try KeyFiles.generate(at: workerList.appendingPathComponent("worker"))
        let clientKeys = try KeyFiles.generate(at: clientList.appendingPathComponent("client"))
        let strangerKeys = try KeyFiles.generate(at: keys.appendingPathComponent("stranger"))
        let coordinator = try harness.startCoordinator([
            "--key", keys.appendingPathComponent("coordinator.key").path, "--worker-keys", workerList.path,
            "--client-keys", clientList.path, "--max-message-bytes", "\(64 << 10)", "--log-level", "warning",
        ])
        let serverKey = keys.appendingPathComponent("coordinator.pub").path
        for name in ["w1", "w2"] {
            try harness.startWorker(
                name, ["--key", workerList.appendingPathComponent("worker.key").path, "--server-key", serverKey])
        }
        let client = try harness.client(
            security: CurveClientSecurity(serverKey: serverKeys.publicKey, keyPair: clientKeys))
        let expected = try SpinWorkload.expected(Self.tasks, iterations: Self.iterations)

        // An undisturbed run first: it warms the coordinator (ledger cache, allocator) to its working size.
        let calm = try client.submit(
            RunSubmission(name: "calm", tasks: SpinWorkload.tasks(Self.tasks, iterations: Self.iterations)))
        XCTAssertEqual(try client.waitForRun(calm, timeout: 60).state, .completed)
        SpinWorkload.check(try client.allResults(run: calm), expected: expected)
        let before = try XCTUnwrap(Self.residentKiB(coordinator.processIdentifier))

        let run = try client.submit(
            RunSubmission(name: "storm", tasks: SpinWorkload.tasks(Self.tasks, iterations: Self.iterations)))
        let errorsBefore = try client.status().protocolErrors
        let storm = try HostileStream(
            endpoint: harness.endpoint, server: serverKeys.publicKey, worker: workerKeys, client: clientKeys,
            stranger: strangerKeys)
        let sent = try storm.send(Self.messages)
        let status = try client.waitForRun(run, timeout: 60)
        XCTAssertEqual(status.state, .completed, (status.error ?? "") + "\n" + harness.allLogs())
        SpinWorkload.check(try client.allResults(run: run), expected: expected)
        XCTAssertTrue(coordinator.isRunning, "the coordinator survived the stream")
        try harness.waitUntil("the refusals to be counted") {
            try client.status().protocolErrors - errorsBefore >= sent.refused
        }
        XCTAssertEqual(try client.status().runs.count, 2, "no hostile message created a run")
        try harness.waitUntil("the hostile worker-key peer to be dropped (it never heartbeats)") {
            try client.workers().workers.count == 2
        }

        Thread.sleep(forTimeInterval: 2)  // the storm's connections are gone; let the coordinator settle
        let after = try XCTUnwrap(Self.residentKiB(coordinator.processIdentifier))
        print(
            "soak: \(sent.total) hostile messages (\(sent.refused) refused); coordinator RSS \(before) KiB before, \(after) KiB after"
        )
        XCTAssertGreaterThanOrEqual(sent.total, 1_000)
        XCTAssertLessThanOrEqual(
            Double(after), Double(before) * 1.2, "RSS \(after) KiB after the stream, \(before) KiB before")
    }

    /// VmRSS of a process, from /proc.
    static func residentKiB(_ pid: Int32) throws -> Int? {
        let text = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        return Int(line.split(separator: " ").dropFirst().first ?? "")
    }
}

/// The hostile peers: sockets with the client key, the worker key and a stranger's key, sending a
/// deterministic cycle of bad messages.
private final class HostileStream {
    let context: Context
    let endpoint: String
    let server: CurveKey
    let worker: CurveKeyPair
    let client: CurveKeyPair
    let stranger: CurveKeyPair
    var sockets: [RawPeer] = []

    init(endpoint: String, server: CurveKey, worker: CurveKeyPair, client: CurveKeyPair, stranger: CurveKeyPair)
        throws
    {
        context = try Context()
        self.endpoint = endpoint
        self.server = server
        self.worker = worker
        self.client = client
        self.stranger = stranger
    }

    private func peer(_ name: String, _ keys: CurveKeyPair) throws -> RawPeer {
        let peer = try RawPeer(
            context, name: name, endpoint: endpoint, security: CurveClientSecurity(serverKey: server, keyPair: keys))
        sockets.append(peer)
        return peer
    }

    /// Tries `count` messages; returns how many were queued (the stranger's are dropped once its handshake is
    /// refused) and how many of those the coordinator must count as refused.
    func send(_ count: Int) throws -> (total: Int, refused: Int) {
        let asClient = try peer("hostile-client", client)
        let asWorker = try peer("hostile-worker", worker)
        let outsider = try peer("hostile-stranger", stranger)
        // A worker-key peer that says HELLO (no kinds it could be given), claiming every task of both runs.
        let claims = Array(Int64(1)...Int64(2 * HostilePeerSoakTests.tasks))
        try asWorker.send("HELLO", RawPeer.hello("hostile-worker", window: 4, credit: "0", running: claims))
        let forged = claims.prefix(50).map { #"{"id":\#($0),"ok":true,"arrays":0,"seconds":0}"# }.joined(separator: ",")
        let forgedFrames = claims.prefix(50).map { _ in DiagnosticExecutors.data([0xBAD]) }
        var refused = 0
        var total = 0
        var generator = SystemRandomNumberGenerator()
        let huge = "\(Int.max)"
        for index in 0..<count {
            let random = Data((0..<Int.random(in: 0...64, using: &generator)).map { _ in UInt8.random(in: 0...255) })
            // Every send is non-blocking: a refused peer (the stranger) has no connection to queue on.
            var counted = true
            let queued: Bool
            switch index % 12 {
            case 0: queued = try asClient.socket.send(multipart: [random], dontWait: true)  // random bytes
            case 1:  // wrong version
                queued = try asClient.send("STATUS", "{}", header: Data([0x53, 0x4C, 0x43, 9]), dontWait: true)
            case 2:  // overflowing count
                queued = try asClient.send(
                    "SUBMIT", #"{"tasks":[{"kind":"x","arrays":\#(huge)}]}"#, frames: [Data([1])], dontWait: true)
            case 3: queued = try asClient.send("HELLO", RawPeer.hello("hostile-client"), dontWait: true)  // wrong role
            case 4:  // wrong role
                queued = try asWorker.send(
                    "SUBMIT", #"{"tasks":[{"kind":"cluster.spin","arrays":0}]}"#, frames: [Data()], dontWait: true)
            case 5:
                // Replayed: the same forged results again and again (never leased to it: acknowledged, ignored).
                queued = try asWorker.send(
                    "RESULT", #"{"results":[\#(forged)],"credit":0}"#, frames: forgedFrames, dontWait: true)
                counted = false
            case 6: queued = try asWorker.send("READY", #"{"credit":\#(huge)}"#, dontWait: true)
            case 7:  // not JSON, and a stray frame
                queued = try asClient.send(
                    "STATUS", "{\"run\":" + String(repeating: "[", count: 200), frames: [random], dontWait: true)
            case 8:
                // Replayed HELLO with the same claims: the worker record is replaced, nothing is granted.
                queued = try asWorker.send(
                    "HELLO", RawPeer.hello("hostile-worker", window: 4, credit: "0", running: claims), dontWait: true)
                counted = false
            case 9:  // a key not on any list: refused at the handshake, never reaches the coordinator
                queued = try outsider.send(
                    "SUBMIT", #"{"tasks":[{"kind":"cluster.spin","arrays":0}]}"#, frames: [Data()], dontWait: true)
                counted = false
            case 10 where index % 120 == 10:
                // Oversized: a 1 MiB frame against a 64 KiB limit, on a connection of its own (libzmq drops it).
                let big = try peer("hostile-big-\(index)", client)
                queued = try big.socket.send(try Message(count: 1 << 20) { _ in }, dontWait: true)
                counted = false
            case 10: queued = try asClient.send("RESULTS", #"{"run":"run-x","after":-5}"#, dontWait: true)
            default: queued = try asClient.send("TASKS", #"{"tasks":[]}"#, dontWait: true)  // wrong direction
            }
            if queued && counted { refused += 1 }
            if queued { total += 1 }
            if !queued { Thread.sleep(forTimeInterval: 0.001) }
        }
        Thread.sleep(forTimeInterval: 1)  // let the queues drain before the sockets close
        for socket in sockets { socket.close() }
        return (total, refused)
    }
}
