import Cluster
import Foundation
import TestSupport
import XCTest
import ZeroMQ

/// The documented protocol from a foreign client, and CurveZMQ with a ZAP allowlist.
final class ProtocolAndSecurityTests: XCTestCase {
    func testPyzmqScriptFromProtocolDocSubmitsRunAndReadsStatus() throws {
        guard let python = TestEnvironment.referencePython else {
            throw XCTSkip("no reference python venv (set SALIENCE_PYTHON); pyzmq is needed for this test")
        }
        let harness = try ClusterHarness("pyzmq")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        try harness.startWorker("w1", threads: 2)
        let script = TestEnvironment.packageRoot.appendingPathComponent(
            "Tests/ClusterTests/Python/submit_and_status.py")
        let result = try runProcess(python, [script.path, harness.endpoint, "40", "5000", SalienceVersion.current])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let line = try XCTUnwrap(result.stdout.split(separator: "\n").last)
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        XCTAssertEqual(report["state"] as? String, "completed")
        XCTAssertEqual(report["results"] as? Int, 40)
        XCTAssertEqual(report["mismatches"] as? Int, 0)
        XCTAssertEqual(report["unknown_run_error"] as? String, "unknown-run")
    }

    func testKeysGenerateWritesSecretKeyWithMode0600() throws {
        let scratch = try ScratchDirectory("keys")
        defer { scratch.remove() }
        let base = scratch.path("sub/worker").path
        let result = try runProcess(TestEnvironment.salienceBinary, ["keys", "generate", base])
        XCTAssertEqual(result.status, 0, result.stderr)
        let attributes = try FileManager.default.attributesOfItem(atPath: base + ".key")
        XCTAssertEqual((attributes[.posixPermissions] as? Int).map { $0 & 0o777 }, 0o600)
        let pair = try KeyFiles.loadKeyPair(secretFile: URL(fileURLWithPath: base + ".key"))
        XCTAssertEqual(try KeyFiles.loadPublicKey(base + ".pub"), pair.publicKey, "the .pub matches the secret key")
        XCTAssertTrue(result.stdout.contains(pair.publicKey.z85))
        let again = try runProcess(TestEnvironment.salienceBinary, ["keys", "generate", base])
        XCTAssertNotEqual(again.status, 0, "an existing key is never overwritten")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: base + ".key")
        XCTAssertThrowsError(try KeyFiles.loadKeyPair(secretFile: URL(fileURLWithPath: base + ".key"))) {
            XCTAssertTrue("\($0)".contains("chmod 600"), "\($0)")
        }
    }

    func testBindingBeyondLoopbackWithoutCurveIsRefused() throws {
        let scratch = try ScratchDirectory("insecure")
        defer { scratch.remove() }
        let result = try runProcess(
            TestEnvironment.salienceBinary, ["coordinator", "--bind", "tcp://0.0.0.0:0", "--state", scratch.url.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("requires CurveZMQ"), result.stderr)
        XCTAssertTrue(Loopback.isLoopback("tcp://127.0.0.1:5555"))
        XCTAssertTrue(Loopback.isLoopback("tcp://[::1]:5555"))
        XCTAssertTrue(Loopback.isLoopback("ipc:///tmp/x"))
        XCTAssertFalse(Loopback.isLoopback("tcp://10.0.0.5:5555"))
        XCTAssertFalse(Loopback.isLoopback("tcp://*:5555"))
    }

    /// A harness on a free TCP port, a `keys/` directory with the coordinator's pair and an empty
    /// `keys/allowed/` allowlist (the coordinator is not started).
    private func curveCluster(_ name: String) throws -> (
        harness: ClusterHarness, keys: URL, allowed: URL, coordinatorKeys: CurveKeyPair
    ) {
        let harness = try ClusterHarness(name, endpoint: try ClusterHarness.freeTCPEndpoint())
        let keys = harness.scratch.path("keys")
        let allowed = keys.appendingPathComponent("allowed")
        try FileManager.default.createDirectory(at: allowed, withIntermediateDirectories: true)
        return (harness, keys, allowed, try KeyFiles.generate(at: keys.appendingPathComponent("coordinator")))
    }

    func testCurveAdmitsAllowedWorkerAndClientOnly() throws {
        let (harness, keys, allowed, coordinatorKeys) = try curveCluster("curve")
        defer { harness.tearDown() }
        try KeyFiles.generate(at: allowed.appendingPathComponent("worker"))
        let clientKeys = try KeyFiles.generate(at: allowed.appendingPathComponent("client"))
        let strangerKeys = try KeyFiles.generate(at: keys.appendingPathComponent("stranger"))
        try harness.startCoordinator([
            "--key", keys.appendingPathComponent("coordinator.key").path, "--allow", allowed.path,
        ])
        let serverKey = keys.appendingPathComponent("coordinator.pub").path
        try harness.startWorker(
            "allowed", ["--key", allowed.appendingPathComponent("worker.key").path, "--server-key", serverKey])
        try harness.startWorker(
            "stranger", ["--key", keys.appendingPathComponent("stranger.key").path, "--server-key", serverKey])
        try harness.startWorker("plaintext")

        let client = try harness.client(
            security: CurveClientSecurity(serverKey: coordinatorKeys.publicKey, keyPair: clientKeys))
        let count = 50
        let run = try client.submit(RunSubmission(name: "curve", tasks: SpinWorkload.tasks(count, iterations: 1000)))
        let status = try client.waitForRun(run, timeout: 60)
        XCTAssertEqual(status.state, .completed)
        SpinWorkload.check(
            try client.allResults(run: run), expected: try SpinWorkload.expected(count, iterations: 1000))
        let workers = try client.workers().workers
        XCTAssertEqual(workers.count, 1, "only the allowed worker got in: \(workers.map(\.id))")
        XCTAssertEqual(workers.first?.done, count)

        for (name, security) in [
            ("unknown key", CurveClientSecurity(serverKey: coordinatorKeys.publicKey, keyPair: strangerKeys)),
            ("wrong server key", CurveClientSecurity(serverKey: strangerKeys.publicKey, keyPair: clientKeys)),
        ] {
            let refused = try ClusterClient(endpoint: harness.endpoint, security: security, timeout: 1.5)
            XCTAssertThrowsError(try refused.status(), "\(name) learns no status") {
                guard case ClusterError.timeout = $0 else { return XCTFail("\(name): \($0)") }
            }
        }
        let plaintext = try ClusterClient(endpoint: harness.endpoint, timeout: 1.5)
        XCTAssertThrowsError(try plaintext.status(), "a plaintext client learns no status")
        XCTAssertTrue(harness.log("coordinator").contains("refused a peer at the handshake"))
        XCTAssertTrue(harness.log("coordinator").contains(strangerKeys.publicKey.z85), "the refused key is logged")
    }
    /// SIGHUP makes a running coordinator read its allowlist again: a new node's key gets in, a removed key
    /// is refused at its next handshake, a malformed list is refused and the old one stays; no restart.
    func testSIGHUPReloadsTheAllowlistWithoutARestart() throws {
        let (harness, keys, allowed, coordinatorKeys) = try curveCluster("curve-reload")
        defer { harness.tearDown() }
        let operatorKeys = try KeyFiles.generate(at: allowed.appendingPathComponent("operator"))
        let newcomerKeys = try KeyFiles.generate(at: keys.appendingPathComponent("newcomer"))
        let coordinator = try harness.startCoordinator([
            "--key", keys.appendingPathComponent("coordinator.key").path, "--allow", allowed.path,
        ])
        func status(_ keyPair: CurveKeyPair) -> Result<StatusReport, Error> {
            Result {
                try ClusterClient(
                    endpoint: harness.endpoint,
                    security: CurveClientSecurity(serverKey: coordinatorKeys.publicKey, keyPair: keyPair),
                    timeout: 1.5
                ).status()
            }
        }
        func hangUp(expecting line: String, count: Int) throws {
            XCTAssertEqual(kill(coordinator.processIdentifier, SIGHUP), 0)
            try harness.waitUntil("the coordinator to log '\(line)' \(count) time(s)") {
                harness.log("coordinator").components(separatedBy: line).count - 1 >= count
            }
        }
        try harness.waitUntil("the coordinator to admit the operator's key") {
            (try? status(operatorKeys).get()) != nil
        }
        XCTAssertThrowsError(try status(newcomerKeys).get(), "the newcomer is not on the list yet")

        // A malformed key file: the reload is refused and the old list stays in force.
        let broken = allowed.appendingPathComponent("broken.pub")
        try "not a key".write(to: broken, atomically: true, encoding: .utf8)
        try hangUp(expecting: "allowlist not reloaded", count: 1)
        XCTAssertNoThrow(try status(operatorKeys).get(), "the old list still admits the operator")
        try FileManager.default.removeItem(at: broken)

        // The newcomer's key is added: admitted after SIGHUP, without a restart.
        try FileManager.default.copyItem(
            at: keys.appendingPathComponent("newcomer.pub"), to: allowed.appendingPathComponent("newcomer.pub"))
        try hangUp(expecting: "allowlist reloaded", count: 1)
        XCTAssertNoThrow(try status(newcomerKeys).get(), "the newcomer gets in after the reload")

        // The operator's key is removed: refused at its next handshake.
        try FileManager.default.removeItem(at: allowed.appendingPathComponent("operator.pub"))
        try hangUp(expecting: "allowlist reloaded", count: 2)
        XCTAssertThrowsError(try status(operatorKeys).get(), "a removed key is refused")
        XCTAssertNoThrow(try status(newcomerKeys).get())
        XCTAssertTrue(coordinator.isRunning, "SIGHUP must not end the coordinator")
    }
}
