// The Slurm templates in ops/slurm: valid shell, command lines the real CLI accepts, and whole jobs run
// on this machine with stand-ins for `scontrol` and `srun` (the only Slurm parts they use): the salience
// processes, sockets, CURVE keys and the ledger are real.
import Foundation
import TestSupport
import XCTest

final class DeploymentSlurmTests: XCTestCase {
    static let templates = ["salience-cluster.sbatch", "salience-workers.sbatch"]

    static func template(_ name: String) -> URL {
        TestEnvironment.packageRoot.appendingPathComponent("ops/slurm/\(name)")
    }

    /// `scontrol show hostnames LIST` for a comma-separated LIST (no ranges), as Slurm prints it.
    static let fakeScontrol = """
        #!/usr/bin/env bash
        # Test stand-in for `scontrol show hostnames a,b,c`.
        if [ "$1 $2" != "show hostnames" ]; then echo "fake scontrol: only 'show hostnames'" >&2; exit 2; fi
        tr ',' '\\n' <<<"$3"
        """

    /// `srun OPTIONS COMMAND...`: runs COMMAND --ntasks times here, forwards SIGTERM/SIGINT to the tasks
    /// like srun does, logs its options, and refuses options it does not know (so the template cannot
    /// drift from what is checked here).
    static let fakeSrun = """
        #!/usr/bin/env bash
        # Test stand-in for srun inside an allocation.
        ntasks=1
        options=()
        while [ $# -gt 0 ]; do
            case "$1" in
                --ntasks=*) ntasks="${1#*=}"; options+=("$1") ;;
                --nodes=*|--nodelist=*|--ntasks-per-node=*|--cpus-per-task=*|--overlap) options+=("$1") ;;
                -*) echo "fake srun: unsupported option $1" >&2; exit 2 ;;
                *) break ;;
            esac
            shift
        done
        echo "${options[*]} :: $*" >>"$FAKE_SRUN_LOG"
        pids=()
        for ((task = 0; task < ntasks; task++)); do
            SLURM_PROCID=$task "$@" &
            pids+=($!)
        done
        trap 'kill -TERM "${pids[@]}" 2>/dev/null' TERM INT
        status=0
        for pid in "${pids[@]}"; do
            while kill -0 "$pid" 2>/dev/null; do wait "$pid"; status=$?; done
        done
        exit "$status"
        """

    private var harness: DeploymentHarness!

    override func setUpWithError() throws {
        harness = try DeploymentHarness("slurm")
    }

    override func tearDown() {
        harness?.tearDown()
        harness = nil
    }

    /// The environment of a job on the allocation NODES, with the fake Slurm tools first on PATH.
    private func jobEnvironment(nodes: [String], cpus: Int, port: Int) throws -> [String: String] {
        let bin = try harness.directory("fake-slurm")
        for (name, text) in [("scontrol", Self.fakeScontrol), ("srun", Self.fakeSrun)] {
            let url = bin.appendingPathComponent(name)
            try Data(text.utf8).write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        return [
            "PATH": "\(bin.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")",
            "FAKE_SRUN_LOG": harness.path("srun-calls.log").path,
            "SLURM_JOB_ID": "4242", "SLURM_JOB_NODELIST": nodes.joined(separator: ","),
            "SLURM_JOB_NUM_NODES": "\(nodes.count)", "SLURM_CPUS_PER_TASK": "\(cpus)",
            "SALIENCE_BIN": TestEnvironment.salienceBinary.path,
            "SALIENCE_HOME": harness.path("home").path,
            "SALIENCE_PORT": "\(port)",
            // Keep the test coordinator off the machine's other interfaces.
            "SALIENCE_BIND_ADDRESS": "127.0.0.1",
        ]
    }

    private func client(port: Int) -> CoordinatorClient {
        let keys = harness.path("home/keys").path
        return CoordinatorClient(
            endpoint: "tcp://localhost:\(port)", key: "\(keys)/client.key", serverKey: "\(keys)/coordinator.pub")
    }

    private func bash() -> URL { URL(fileURLWithPath: "/bin/bash") }

    // MARK: static checks

    func testTemplatesAreValidBash() throws {
        for name in Self.templates {
            let result = try runProcess(bash(), ["-n", Self.template(name).path])
            XCTAssertEqual(result.status, 0, "\(name): \(result.stderr)")
        }
    }

    func testTemplatesPassShellcheck() throws {
        let candidates = ["/usr/bin/shellcheck", "/usr/local/bin/shellcheck"]
        guard let shellcheck = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("shellcheck is not installed (apt-get install shellcheck); bash -n still checks syntax")
        }
        for name in Self.templates {
            let result = try runProcess(URL(fileURLWithPath: shellcheck), [Self.template(name).path])
            XCTAssertEqual(result.status, 0, "\(name):\n\(result.stdout)\(result.stderr)")
        }
    }

    /// Every #SBATCH directive comes before the first command (sbatch ignores later ones) and the jobs
    /// get SIGTERM before the time limit.
    func testDirectivesPrecedeTheFirstCommand() throws {
        for name in Self.templates {
            let lines = try String(contentsOf: Self.template(name), encoding: .utf8).split(
                separator: "\n", omittingEmptySubsequences: false)
            let firstCommand = lines.firstIndex { !$0.isEmpty && !$0.hasPrefix("#") } ?? lines.count
            let directives = lines.indices.filter { lines[$0].hasPrefix("#SBATCH") }
            XCTAssertFalse(directives.isEmpty, name)
            XCTAssertTrue(directives.allSatisfy { $0 < firstCommand }, "\(name): #SBATCH after a command")
            XCTAssertTrue(lines.contains { $0.hasPrefix("#SBATCH --signal=B:TERM@") }, name)
            XCTAssertTrue(lines.contains("export HDF5_USE_FILE_LOCKING=FALSE"), name)
        }
    }

    // MARK: the command lines against the real CLI

    /// The command lines the templates build (their own functions, sourced) start a CURVE coordinator and
    /// workers that register; a flag the CLI does not know would exit 64 instead.
    func testTemplateCommandLinesRunWithTheRealCLI() throws {
        let port = try DeploymentHarness.freePort()
        var environment = try jobEnvironment(nodes: ["localhost"], cpus: 3, port: port)
        environment["SALIENCE_DATA_ROOT"] = try harness.directory("data").path
        // The job's main makes the output root; these functions run without it.
        environment["SALIENCE_OUTPUT_ROOT"] = try harness.directory("runs").path
        let cluster = Self.template("salience-cluster.sbatch").path
        let workers = Self.template("salience-workers.sbatch").path
        let endpoint = "tcp://localhost:\(port)"
        // Keys the way the job makes them.
        let keys = try runProcess(
            bash(), ["-c", #"set -e; source "$1"; salience_settings; ensure_keys"#, "-", cluster],
            environment: environment)
        XCTAssertEqual(keys.status, 0, keys.stderr)

        // The control: the CLI really rejects what it does not know, with ArgumentParser's exit code 64.
        let bogus = try harness.salience(["worker", "--connect", endpoint, "--data-root", "/", "--no-such-flag"])
        XCTAssertEqual(bogus.status, 64, bogus.stderr)

        let coordinator = try harness.launch(
            "coordinator", bash(),
            ["-c", #"source "$1"; salience_settings; coordinator_command; exec "${COMMAND[@]}""#, "-", cluster],
            environment: environment)
        let clusterWorker = try harness.launch(
            "cluster-worker", bash(),
            [
                "-c", #"source "$1"; salience_settings; worker_command "$2"; exec "${COMMAND[@]}""#, "-", cluster,
                endpoint,
            ],
            environment: environment)
        let arrayWorker = try harness.launch(
            "array-worker", bash(),
            [
                "-c", #"source "$1"; salience_settings; worker_command "$2" "$3"; exec "${COMMAND[@]}""#, "-",
                workers, endpoint, harness.path("home/keys/coordinator.pub").path,
            ],
            environment: environment)
        let client = client(port: port)
        try harness.waitUntil(
            "both template workers to register", alive: [coordinator, clusterWorker, arrayWorker]
        ) { try client.workers().count == 2 }
        let registered = try client.workers()
        XCTAssertEqual(
            Set(registered.compactMap { integer($0["pid"]) }),
            [Int(clusterWorker.processIdentifier), Int(arrayWorker.processIdentifier)])
        XCTAssertEqual(registered.compactMap { integer($0["threads"]) }, [3, 3], "threads = --cpus-per-task")
    }

    // MARK: whole jobs

    /// A three-node job with a run file: coordinator on the first node, workers on the other two, the run
    /// completes, the job ends cleanly, and the ledger on "shared storage" still holds the run's results
    /// for a coordinator restarted from it.
    func testClusterJobRunsARunAndShutsDown() throws {
        let port = try DeploymentHarness.freePort()
        let environment = try jobEnvironment(nodes: ["localhost", "node-b", "node-c"], cpus: 1, port: port)
        let workload = DeploymentWorkload(count: 40, sleepMilliseconds: 20, spinIterations: 20_000)
        let runFile = harness.path("run.json")
        try workload.writeRunFile(to: runFile, name: "slurm-job")

        let job = try harness.launch(
            "job", bash(), [Self.template("salience-cluster.sbatch").path, runFile.path], environment: environment)
        try harness.waitForExit(job, "the job", timeout: 60)
        let output = harness.log("job")
        XCTAssertEqual(job.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("completed"), output)
        XCTAssertEqual(harness.strayProcessIDs(), [], "processes left after the job:\n\(output)")

        // Where things went: one coordinator step on the first node, one worker step on the others.
        let calls = (try? String(contentsOf: harness.path("srun-calls.log"), encoding: .utf8)) ?? ""
        XCTAssertTrue(calls.contains("--nodelist=localhost --cpus-per-task=1 --overlap :: "), calls)
        XCTAssertTrue(calls.contains("--nodelist=node-b,node-c --cpus-per-task=1 :: "), calls)
        XCTAssertTrue(calls.contains("--ntasks=2"), calls)

        // Keys: generated, the secret ones private, the allowlist holding the workers' and clients' keys.
        let keys = harness.path("home/keys")
        for name in ["coordinator.key", "worker.key", "client.key"] {
            let mode =
                try FileManager.default.attributesOfItem(atPath: keys.appendingPathComponent(name).path)[
                    .posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600, name)
        }
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: keys.appendingPathComponent("allowed").path).sorted(),
            ["client.pub", "worker.pub"])
        XCTAssertEqual(
            try String(contentsOf: harness.path("home/coordinator.endpoint"), encoding: .utf8),
            "tcp://localhost:\(port)\n")

        // The run's id is the line `salience submit` printed; its results live on in the ledger.
        let run = try XCTUnwrap(
            output.split(separator: "\n").first { $0.hasPrefix("run-") && !$0.contains(" ") }.map(String.init), output)
        let restarted = try harness.launch(
            "restarted-coordinator", bash(),
            [
                "-c", #"source "$1"; salience_settings; coordinator_command; exec "${COMMAND[@]}""#, "-",
                Self.template("salience-cluster.sbatch").path,
            ],
            environment: environment)
        let client = client(port: port)
        try harness.waitUntil("the restarted coordinator to answer", alive: [restarted]) {
            try client.runState(run) == "completed"
        }
        XCTAssertEqual(workload.problems(resultsJSONLines: try client.results(run)), [])
    }

    /// The route issue 18 found broken: a job given a scan spec (TOML) starts the coordinator and workers with
    /// the template's own command lines (workers with --data-root and --output-root), submits the spec with
    /// `salience submit SPEC --wait`, follows it to a finished report, which the workers wrote under the
    /// output root, and exits 0. What is not Slurm here is only `srun` and `scontrol` (stand-ins above).
    func testClusterJobRunsAScanSpecToAFinishedReport() throws {
        let port = try DeploymentHarness.freePort()
        var environment = try jobEnvironment(nodes: ["localhost", "node-b"], cpus: 1, port: port)
        let data = try harness.directory("data")
        let outputRoot = harness.path("runs")  // made by the job
        environment["SALIENCE_DATA_ROOT"] = data.path
        environment["SALIENCE_OUTPUT_ROOT"] = outputRoot.path
        let synth = try harness.salience([
            "dataset", "synth", data.appendingPathComponent("syn").path, "--utterances", "60", "--dim", "8",
            "--relevant", "4", "--shards", "1",
        ])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        // A user's spec: relative dataset (under the data root) and output (under the output root).
        let spec = harness.path("tiny-scan.toml")
        try """
        name = "slurm-scan"
        [dataset]
        directory = "syn"
        [selection]
        methods = ["ccs", "full"]
        ratios = [0.5]
        thresholds = []
        [decoder]
        kind = "gru-ff"
        gru_units = 2
        gru_layers = 1
        ff_units = 2
        dropout = 0.0
        [training]
        seeds = [1]
        epochs = 1
        label_variance = ["off"]
        [output]
        directory = "scans/tiny"
        """.write(to: spec, atomically: true, encoding: .utf8)

        let job = try harness.launch(
            "job", bash(), [Self.template("salience-cluster.sbatch").path, spec.path], environment: environment)
        try harness.waitForExit(job, "the job", timeout: 180)
        let output = harness.log("job")
        XCTAssertEqual(job.terminationStatus, 0, output)
        let report = outputRoot.appendingPathComponent("scans/tiny/report.html")
        XCTAssertTrue(output.contains("succeeded"), output)
        XCTAssertTrue(
            output.contains("report: \(report.path)"), "the printed report path is the workers' one\n\(output)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: report.path), output)
        let results = try XCTUnwrap(
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: outputRoot.appendingPathComponent("scans/tiny/results.json"))) as? [String: Any])
        let run = try XCTUnwrap(results["run"] as? [String: Any], "\(results.keys)")
        XCTAssertEqual(run["status"] as? String, "succeeded")
        XCTAssertEqual((results["models"] as? [Any])?.count, 2, "ccs at 0.5 and the full-width model")
        XCTAssertEqual(harness.strayProcessIDs(), [], "processes left after the job:\n\(output)")
        // The workers ran with the template's roots (their command lines are logged by the fake srun).
        let calls = (try? String(contentsOf: harness.path("srun-calls.log"), encoding: .utf8)) ?? ""
        XCTAssertTrue(calls.contains("--nodelist=node-b --cpus-per-task=1 :: "), calls)
        XCTAssertTrue(
            calls.contains(
                "worker --connect tcp://localhost:\(port) --data-root \(data.path) --output-root \(outputRoot.path)"),
            calls)
    }

    /// A job without a run file serves; a job-array element adds a worker to it; SIGTERM (scancel, or the
    /// time limit's --signal) stops each cleanly, leaving no process behind.
    func testServingJobTakesArrayWorkersAndStopsOnSIGTERM() throws {
        let port = try DeploymentHarness.freePort()
        let environment = try jobEnvironment(nodes: ["localhost", "node-b"], cpus: 2, port: port)
        let job = try harness.launch(
            "job", bash(), [Self.template("salience-cluster.sbatch").path], environment: environment)
        let client = client(port: port)
        try harness.waitUntil("the job's worker to register", alive: [job]) { try client.workers().count == 1 }
        XCTAssertEqual(integer(try client.workers().first?["threads"]), 2)

        // The array element finds the coordinator through the endpoint file the job wrote.
        var arrayEnvironment = environment
        arrayEnvironment["SLURM_ARRAY_TASK_ID"] = "7"
        arrayEnvironment["SLURM_CPUS_PER_TASK"] = "1"
        let arrayWorker = try harness.launch(
            "array-worker", bash(), [Self.template("salience-workers.sbatch").path], environment: arrayEnvironment)
        try harness.waitUntil("the array worker to join", alive: [job, arrayWorker]) {
            try client.workers().contains { integer($0["pid"]) == Int(arrayWorker.processIdentifier) }
        }

        let workload = DeploymentWorkload(count: 30, sleepMilliseconds: 20, spinIterations: 20_000)
        let runFile = harness.path("run.json")
        try workload.writeRunFile(to: runFile, name: "served")
        let run = try client.submit(runFile)
        try harness.waitUntil("the run to complete", alive: [job, arrayWorker]) {
            try client.runState(run) == "completed"
        }
        XCTAssertEqual(workload.problems(resultsJSONLines: try client.results(run)), [])

        kill(arrayWorker.processIdentifier, SIGTERM)
        try harness.waitForExit(arrayWorker, "the array worker")
        XCTAssertEqual(arrayWorker.terminationReason, .exit, harness.log("array-worker"))
        XCTAssertEqual(arrayWorker.terminationStatus, 0, harness.log("array-worker"))
        try harness.waitUntil("the array worker to leave the list") { try client.workers().count == 1 }

        kill(job.processIdentifier, SIGTERM)
        try harness.waitForExit(job, "the job")
        XCTAssertEqual(job.terminationStatus, 143, "the job exits as terminated by SIGTERM\n\(harness.log("job"))")
        XCTAssertEqual(harness.strayProcessIDs(), [], "processes left after SIGTERM:\n\(harness.log("job"))")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: harness.path("home/state/coordinator.lock").path),
            "the state directory holds the lock file")
    }
}
