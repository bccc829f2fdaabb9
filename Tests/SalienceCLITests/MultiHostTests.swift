// Three hosts on one machine: Linux network namespaces joined by veth pairs to a bridge, each host with
// its own address in 10.231.0.0/24 (which exists only inside these namespaces). A CURVE coordinator on
// one, a worker on each of the other two; one worker's link is cut mid-run. Needs root.
import Foundation
import Reports
import Scan
import TestSupport
import XCTest

final class MultiHostTests: XCTestCase {
    private var harness: DeploymentHarness?
    private var network: NamespaceNetwork?

    override func tearDown() {
        // Processes first (a namespace lives on while a process is in it), then the namespaces.
        harness?.stopAll()
        network?.remove()
        harness?.tearDown()
        harness = nil
        network = nil
    }

    /// A network of `hosts`, or a skip saying why this machine cannot make one.
    private func makeNetwork(hosts: [String]) throws -> NamespaceNetwork {
        guard getuid() == 0 else {
            throw XCTSkip("network namespaces need root (uid \(getuid())); run the tests as root to include this one")
        }
        guard let ip = NamespaceNetwork.locateIP() else {
            throw XCTSkip("`ip` (iproute2) is not installed; apt-get install iproute2 (ops/setup does)")
        }
        let network = NamespaceNetwork(ip: ip)
        self.network = network
        network.removeLeftovers()
        do {
            try network.addNamespace(network.namespace("probe"))
        } catch {
            throw XCTSkip("network namespaces are not permitted here: \(error)")
        }
        network.remove()
        do {
            try network.build(hosts: hosts)
        } catch {
            network.remove()
            throw XCTSkip("namespaces work but veth pairs or bridges do not (kernel modules veth, bridge?): \(error)")
        }
        return network
    }

    /// A CURVE cluster across three namespaces: the coordinator on host 0 (10.231.0.1), `worker-a` and
    /// `worker-b` on the others, a client key on the allowlist, every worker registered.
    struct NamespaceCluster {
        var network: NamespaceNetwork
        var harness: DeploymentHarness
        var endpoint: String
        var keys: URL
        var serverKey: String
        var dataRoot: URL
        var coordinator: Process
        var workers: [String: Process]
        var client: CoordinatorClient

        /// The coordinator and both workers: a test fails at once when one of them exits.
        var everyone: [Process] {
            [coordinator] + workers.values.sorted { $0.processIdentifier < $1.processIdentifier }
        }

        /// `salience workers` entry of `name` (matched by pid: `ip netns exec` execs the program).
        func entry(_ name: String) throws -> [String: Any]? {
            let pid = Int(workers[name]?.processIdentifier ?? -1)
            return try client.workers().first { integer($0["pid"]) == pid }
        }

        /// The tasks `name` holds, once it holds some and has finished at least `done`.
        func heldTasks(_ name: String, afterDone done: Int) throws -> [Int]? {
            guard let entry = try entry(name), integer(entry["done"]) ?? 0 >= done else { return nil }
            let held = (entry["current_tasks"] as? [Any])?.compactMap(integer) ?? []
            return held.isEmpty ? nil : held
        }
    }

    /// Builds the namespaces, makes keys as an operator does, starts the coordinator and both workers.
    private func startCluster(_ name: String) throws -> NamespaceCluster {
        let network = try makeNetwork(hosts: ["coordinator", "worker-a", "worker-b"])
        let harness = try DeploymentHarness(name)
        self.harness = harness
        let binary = TestEnvironment.salienceBinary.path
        let endpoint = "tcp://\(network.address(0)):5555"

        // Keys as an operator makes them: a pair per party, the workers' and client's public keys allowed.
        let keys = try harness.directory("keys")
        let allowed = try harness.directory("keys/allowed")
        for name in ["coordinator", "worker-a", "worker-b", "client"] {
            let made = try harness.salience(["keys", "generate", keys.appendingPathComponent(name).path])
            XCTAssertEqual(made.status, 0, made.stderr)
            if name != "coordinator" {
                try FileManager.default.copyItem(
                    at: keys.appendingPathComponent("\(name).pub"), to: allowed.appendingPathComponent("\(name).pub"))
            }
        }
        let serverKey = keys.appendingPathComponent("coordinator.pub").path
        let dataRoot = try harness.directory("shared")

        let coordinator = try harness.launch(
            "coordinator", network.ip,
            network.execArguments("coordinator") + [
                binary, "coordinator", "--bind", endpoint, "--state", harness.path("state").path,
                "--key", keys.appendingPathComponent("coordinator.key").path, "--allow", allowed.path,
            ])
        var workers: [String: Process] = [:]
        for name in ["worker-a", "worker-b"] {
            workers[name] = try harness.launch(
                name, network.ip,
                network.execArguments(name) + [
                    binary, "worker", "--connect", endpoint, "--data-root", dataRoot.path, "--threads", "1",
                    "--output-root", harness.path("scan-output").deletingLastPathComponent().path,
                    "--key", keys.appendingPathComponent("\(name).key").path, "--server-key", serverKey,
                ])
        }
        let client = CoordinatorClient(
            endpoint: endpoint, key: keys.appendingPathComponent("client.key").path, serverKey: serverKey,
            prefix: network.exec("coordinator"))
        let cluster = NamespaceCluster(
            network: network, harness: harness, endpoint: endpoint, keys: keys, serverKey: serverKey,
            dataRoot: dataRoot, coordinator: coordinator, workers: workers, client: client)
        try harness.waitUntil("both workers to register across the namespaces", alive: cluster.everyone) {
            try cluster.entry("worker-a") != nil && cluster.entry("worker-b") != nil
        }
        return cluster
    }

    func testCurveClusterAcrossNamespacesSurvivesACutLink() throws {
        let cluster = try startCluster("multihost")
        let (network, harness, client) = (cluster.network, cluster.harness, cluster.client)
        let binary = TestEnvironment.salienceBinary.path
        let (endpoint, serverKey, workers, everyone) = (
            cluster.endpoint, cluster.serverKey, cluster.workers, cluster.everyone
        )
        let pidOf = { (name: String) in Int(workers[name]?.processIdentifier ?? -1) }
        let entry = cluster.entry

        // Control: a client whose key is not on the allowlist learns nothing (its CLI times out after
        // 10 s, so it runs alongside the rest).
        let stranger = try harness.salience(["keys", "generate", harness.path("stranger").path])
        XCTAssertEqual(stranger.status, 0, stranger.stderr)
        let strangerStatus = try harness.launch(
            "stranger-status", network.ip,
            network.execArguments("worker-a") + [
                binary, "status", "--to", endpoint, "--key", harness.path("stranger.key").path,
                "--server-key", serverKey,
            ])

        let workload = DeploymentWorkload(count: 60, sleepMilliseconds: 120, spinIterations: 50_000)
        let runFile = harness.path("run.json")
        try workload.writeRunFile(to: runFile, name: "multihost")
        let run = try client.submit(runFile)

        // Cut worker-b's link while it holds tasks and both have done some.
        var heldAtCut: [Int] = []
        try harness.waitUntil("both workers to be busy", alive: everyone) {
            guard let a = try entry("worker-a"), let b = try entry("worker-b"),
                integer(a["done"]) ?? 0 >= 2, integer(b["done"]) ?? 0 >= 2
            else { return false }
            heldAtCut = (b["current_tasks"] as? [Any])?.compactMap(integer) ?? []
            return !heldAtCut.isEmpty
        }
        try network.setLink("worker-b", up: false)
        let cutAt = Date()

        try harness.waitUntil("worker-b to be presumed dead", alive: everyone) {
            let listed = try client.workers()
            return listed.count == 1 && integer(listed.first?["pid"]) == pidOf("worker-a")
        }
        let presumedDeadAfter = Date().timeIntervalSince(cutAt)
        XCTAssertEqual(integer(try client.status()["workers"]), 1, "status counts one live worker")
        try harness.waitUntil("the run to complete on worker-a alone", timeout: 40, alive: everyone) {
            try client.runState(run) == "completed"
        }
        // worker-b could not have delivered anything since the cut, so the tasks it held ran elsewhere.
        XCTAssertTrue(workers["worker-b"]?.isRunning == true, "worker-b is alive, only cut off")
        let results = try client.results(run)
        XCTAssertEqual(workload.problems(resultsJSONLines: results), [], "tasks held at the cut: \(heldAtCut)")

        // The link comes back: worker-b reconnects by itself, resends what it finished while cut off, and
        // the coordinator keeps exactly one result per task.
        try network.setLink("worker-b", up: true)
        try harness.waitUntil("worker-b to reconnect", alive: everyone) { try entry("worker-b") != nil }
        let resent = try harness.waitUntilValue("worker-b to say how many results it resends") {
            // The second "worker attached" line (the first is from the start) says what it resends.
            let parts = harness.log("worker-b").components(separatedBy: "resending=")
            return parts.count >= 3 ? parts.last.flatMap { Int($0.prefix { $0.isNumber }) } : nil
        }
        try harness.waitUntil("the coordinator to have ignored worker-b's \(resent) resent result(s)") {
            integer(try client.status()["duplicate_results"]) ?? -1 >= resent
        }
        XCTAssertEqual(try client.results(run), results, "results unchanged after worker-b's resends")
        let status = try client.status(run)
        let finished = try XCTUnwrap((status["runs"] as? [[String: Any]])?.first)
        XCTAssertEqual(integer(finished["done"]), workload.count)
        XCTAssertEqual(integer(finished["failed"]), 0)
        XCTAssertEqual(integer(status["protocol_errors"]), 0)
        try harness.waitForExit(strangerStatus, "the stranger's status call")
        XCTAssertNotEqual(strangerStatus.terminationStatus, 0, "a key off the allowlist must get no status")
        XCTAssertFalse(harness.log("stranger-status").contains(run), "the stranger learned of the run")
        print(
            "multihost: worker-b held \(heldAtCut) at the cut, was presumed dead "
                + "\(String(format: "%.1f", presumedDeadAfter)) s later, resent \(resent) result(s) on reconnecting; "
                + "duplicates ignored: \(integer(status["duplicate_results"]) ?? -1)")
    }
    /// A whole scan through `salience scan --to` with CURVE keys, from the coordinator's host, while one
    /// worker's link is cut: the run completes on the other worker, the tasks the cut one held ran again
    /// elsewhere, and the scores equal the single-machine `salience scores` of the same shards.
    func testCurveScanAcrossNamespacesCompletesDespiteACutLink() throws {
        let cluster = try startCluster("multihost-scan")
        let (network, harness, client) = (cluster.network, cluster.harness, cluster.client)
        let binary = TestEnvironment.salienceBinary.path
        let dataset = cluster.dataRoot.appendingPathComponent("syn")
        let synth = try harness.salience([
            "dataset", "synth", dataset.path, "--utterances", "480", "--dim", "16", "--relevant", "4",
            "--frames", "4-12", "--shards", "3",
        ])
        XCTAssertEqual(synth.status, 0, synth.stderr)

        // Enough training (10 models of 60 epochs, about a second each) that worker-b is caught holding a task.
        let output = harness.path("scan-output")
        let spec = harness.path("scan.toml")
        try """
        name = "multihost"
        [dataset]
        directory = "syn"
        [selection]
        methods = ["ccs", "mis", "pca", "random", "full"]
        ratios = [0.5]
        thresholds = []
        [decoder]
        kind = "tc-gru"
        conv_channels = 64
        gru_units = 64
        gru_layers = 1
        ff_units = 32
        dropout = 0.0
        [training]
        seeds = [1, 2]
        epochs = 60
        patience = 60
        label_variance = ["off"]
        [output]
        directory = "\(output.path)"
        [cluster]
        dimension_block = 4
        utterances_per_task = 80
        """.write(to: spec, atomically: true, encoding: .utf8)

        // The client runs on the coordinator's host, as it would on a cluster's head node.
        let scan = try harness.launch(
            "scan", network.ip,
            network.execArguments("coordinator") + [
                binary, "scan", spec.path, "--to", cluster.endpoint,
                "--key", cluster.keys.appendingPathComponent("client.key").path, "--server-key", cluster.serverKey,
            ])
        let heldAtCut: [Int] = try harness.waitUntilValue("worker-b to hold a scan task", timeout: 60) {
            guard try cluster.entry("worker-a") != nil else { return nil }
            return try cluster.heldTasks("worker-b", afterDone: 1)
        }
        try network.setLink("worker-b", up: false)
        let cutAt = Date()
        try harness.waitUntil("worker-b to be presumed dead", alive: cluster.everyone) {
            let listed = try client.workers()
            let survivor = try cluster.entry("worker-a")
            return listed.count == 1 && survivor != nil
        }
        let presumedDeadAfter = Date().timeIntervalSince(cutAt)
        // The client printed the run id as soon as it submitted (stdout is flushed there).
        let run = try XCTUnwrap(
            harness.log("scan").components(separatedBy: "submitted run ").dropFirst().first?
                .prefix { !$0.isWhitespace }.description, harness.log("scan"))
        try harness.waitUntil("the scan to finish on worker-a", timeout: 180, alive: cluster.everyone) {
            !scan.isRunning
        }
        scan.waitUntilExit()
        XCTAssertEqual(scan.terminationStatus, 0, harness.log("scan"))

        // Every task worker-b held at the cut finished, so it ran on worker-a (worker-b could not deliver).
        var finished: [Int: Bool] = [:]
        for line in try client.results(run).split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            if let id = integer(object?["id"]) { finished[id] = object?["ok"] as? Bool }
        }
        for task in heldAtCut { XCTAssertEqual(finished[task], true, "task \(task), held by worker-b at the cut") }

        let results = try ScanResults.load(contentsOf: output.appendingPathComponent("results.json"))
        XCTAssertEqual(results.run.status, .succeeded)
        XCTAssertEqual(results.run.failedTasks.count, 0)
        XCTAssertEqual(results.models.count, 10, "ccs, mis, pca, random at 0.5 and full, two seeds each")
        for model in results.models {
            XCTAssertTrue(model.metrics.allSatisfy { $0.value.isFinite }, "\(model.method) seed \(model.seed)")
        }
        for name in ScanReport.fileNames {
            XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent(name).path), name)
        }

        // The same scores as one machine computes from the same shards.
        let reference = harness.path("reference.csv")
        let scores = try harness.salience(["scores", dataset.path, "--methods", "ccs,mis", "--out", reference.path])
        XCTAssertEqual(scores.status, 0, scores.stderr)
        let lines = try String(contentsOf: reference, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        for (method, column) in [(ScanSpec.Method.ccs, "ccs"), (.mis, "mis")] {
            let index = try XCTUnwrap(header.firstIndex(of: column), column)
            let expected = lines.dropFirst().map { Double($0.split(separator: ",")[index]) ?? .nan }
            let actual = try XCTUnwrap(results.scoreCurve(method)?.mean, column)
            XCTAssertEqual(actual.count, expected.count, column)
            for (dim, (a, e)) in zip(actual, expected).enumerated() {
                XCTAssertLessThanOrEqual(abs(a - e), 1e-9 * max(abs(e), 1e-300), "\(column)[\(dim)]: \(a) vs \(e)")
            }
        }
        print(
            "multihost scan: worker-b held \(heldAtCut) at the cut, presumed dead "
                + "\(String(format: "%.1f", presumedDeadAfter)) s later; run \(run) \(results.run.status.rawValue), "
                + "\(results.models.count) models")
    }
}
