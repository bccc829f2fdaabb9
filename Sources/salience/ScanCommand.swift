import ArgumentParser
import Cluster
import Foundation
import Learn
import Reports
import Scan

/// `salience scan SPEC.toml`: runs a scan, from shards to report, on an embedded local cluster or on a
/// running coordinator.
struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Run a saliency scan (statistics, scores, selections, training grid, report) on a cluster.",
        discussion: """
            Without --to, starts an embedded cluster (this process coordinates, --workers local worker \
            processes compute) and shuts it down afterwards. With --to, submits to a running coordinator (which \
            must have the `scan` planner, as `salience coordinator` does) and follows the run. Either way the \
            spec is validated first (a bad spec fails with its field and reason), progress is printed per \
            phase, and the report is written to the spec's output directory.

            Examples:
              salience scan cluster/scan-example.toml --data-root /shared/datasets --workers 2
              salience scan scan.toml --to tcp://head-node:5555
            """)

    @Argument(help: "The scan spec (TOML).")
    var spec: String

    @Option(help: "The directory dataset paths are relative to (embedded cluster workers).")
    var dataRoot = "."

    @Option(
        help: """
            The directory the embedded cluster's workers may write under (see cluster/README.md, "Output root"). \
            Default: the spec's output directory.
            """)
    var outputRoot: String?

    @Option(help: "Local worker processes of the embedded cluster.")
    var workers = 2

    @Option(name: .customLong("to"), help: "Submit to this coordinator instead of an embedded cluster.")
    var endpoint: String?

    /// With --to: the keys, when the coordinator requires CURVE.
    @OptionGroup var curve: CurveClientOptions

    @Flag(help: "With --to: print the run id and return without following the run.")
    var detach = false

    @Flag(help: "Print no progress lines.")
    var quiet = false

    @Flag(
        help: """
            Print what the scan would do — models per method and rule, tasks and bytes read per phase, from the \
            dataset's headers under --data-root — and run nothing.
            """)
    var dryRun = false

    func validate() throws {
        if workers < 1 || workers > 64 { throw ValidationError("--workers must be between 1 and 64.") }
        if endpoint == nil, curve.isGiven { throw ValidationError("--key and --server-key go with --to.") }
        if endpoint != nil, outputRoot != nil {
            throw ValidationError("--output-root is for the embedded cluster; with --to, give it to the workers.")
        }
    }

    func run() throws {
        let spec = try ScanRunner.loadSpec(self.spec)
        if dryRun {
            do {
                print(try ScanPreview.make(spec: spec, dataRoot: DataRoot(URL(fileURLWithPath: dataRoot))).text)
            } catch {
                throw CommandFailure("\(self.spec): \(error)")
            }
            return
        }
        let runner = ScanRunner(quiet: quiet)
        if let endpoint {
            let client = try curve.client(endpoint: endpoint)
            let (run, submitted) = try runner.submit(spec, client: client, absolutizingOutput: false)
            print("scan: submitted run \(run) to \(endpoint)")
            fflush(stdout)  // a script or log collector reading a pipe learns the run id now, not at exit
            if detach { return }
            let outcome = try runner.follow(run: run, client: client, spec: spec, submittedAt: submitted)
            if outcome.status != .succeeded { throw ExitCode.failure }
            return
        }
        let outcome = try runner.runEmbedded(
            spec, dataRoot: URL(fileURLWithPath: dataRoot), outputRoot: outputRoot.map { URL(fileURLWithPath: $0) },
            workers: workers)
        if outcome.status != .succeeded { throw ExitCode.failure }
    }
}

/// The work of `salience scan` and `salience demo`: submit, follow with progress lines, write the report.
struct ScanRunner {
    var quiet = false

    /// What a followed run ended as.
    struct Outcome {
        var run: String
        var status: ScanResults.RunStatus
        var reportDirectory: URL
        var seconds: Double
    }

    /// Reads and validates a spec; its problems, each field with its reason, are the command's failure.
    static func loadSpec(_ path: String) throws -> ScanSpec {
        do {
            return try ScanSpec.load(contentsOf: URL(fileURLWithPath: path))
        } catch let error as ScanSpecError {
            throw CommandFailure(error.description)
        }
    }

    /// The spec with its output directory made absolute (relative paths are from where the scan is submitted).
    static func absolutized(_ spec: ScanSpec) -> ScanSpec {
        var copy = spec
        copy.output.directory = URL(fileURLWithPath: spec.output.directory).standardizedFileURL.path
        return copy
    }

    /// Submits; returns the run id and the submission time. A spec read from a file was checked when it
    /// was read (`loadSpec`); the coordinator's planner checks every submission again (the trust boundary),
    /// and its problems come back as the submission's error. With `absolutizingOutput` the output directory
    /// is made absolute from here (embedded clusters share this directory); without, it goes as written, and
    /// a remote worker resolves a relative one under its own `--output-root`.
    func submit(_ spec: ScanSpec, client: ClusterClient, absolutizingOutput: Bool) throws -> (String, Date) {
        let submitted = Date()
        let task = TaskSpec(
            kind: ScanTaskKind.catalog,
            payload: try ScanCoding.payload(
                CatalogTask(spec: absolutizingOutput ? Self.absolutized(spec) : spec, submittedAt: submitted)))
        let run = try client.submit(
            RunSubmission(name: spec.name, planner: ScanPlanner.name, tasks: [task]))
        return (run, submitted)
    }

    /// Runs `spec` on an embedded cluster of `workers` local processes, whose writes are confined to
    /// `outputRoot` (nil: the spec's output directory, made here, which is all a scan writes).
    func runEmbedded(_ spec: ScanSpec, dataRoot: URL, outputRoot: URL? = nil, workers: Int) throws -> Outcome {
        let outputDirectory = URL(fileURLWithPath: Self.absolutized(spec).output.directory)
        if let outputRoot {
            // The report this process writes at the end obeys the same root as the workers.
            do { _ = try OutputRoot(outputRoot).resolve(outputDirectory.path) } catch {
                throw ValidationError("\(error)")
            }
        } else {
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        }
        let options = EmbeddedCluster.Options(
            workers: workers, executable: URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath(),
            dataRoot: dataRoot, outputRoot: outputRoot ?? outputDirectory, planners: [ScanPlanner.name: ScanPlanner()])
        if !quiet { log("scan: starting an embedded cluster (coordinator + \(workers) worker processes)") }
        return try EmbeddedCluster.with(options: options, logger: commandLogger("salience.scan", level: .error)) {
            cluster in
            let client = try cluster.client()
            let (run, submitted) = try submit(spec, client: client, absolutizingOutput: true)
            return try follow(run: run, client: client, spec: spec, submittedAt: submitted)
        }
    }

    /// Polls the run, printing a line per change (phase, tasks done/total, rate, ETA); at its end prints each
    /// phase's time (from the task timings the results carry) and where the report is. The graph's last
    /// task writes the report; only a run that ended without it (failed or cancelled) gets it written here,
    /// from the ledger, so that the user still has one.
    func follow(run: String, client: ClusterClient, spec: ScanSpec, submittedAt: Date) throws -> Outcome {
        let started = Date()
        var display = ScanProgressDisplay()
        var final: RunStatus
        let retry = CoordinatorRetry(endpoint: client.endpoint)
        while true {
            guard let status = try retry.run("status", { try client.status(run: run) }).runs.first else {
                throw ClusterError.unknownRun(run)
            }
            if !quiet { display.show(status, elapsed: Date().timeIntervalSince(started)) }
            if status.state.isFinal {
                if !quiet {
                    display.show(status, elapsed: Date().timeIntervalSince(started), now: .distantFuture)
                    display.finish()
                }
                final = status
                break
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        let results = try retry.run("results") {
            try ScanResults.fromCoordinator(
                client: client, run: run, spec: Self.absolutized(spec), startedAt: submittedAt)
        }
        let directory = URL(fileURLWithPath: Self.absolutized(spec).output.directory)
        let reported = results.run.phase("report")?.state == .done
        if !reported {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            _ = try ScanReport(results: results).write(to: directory)
        }
        let seconds = Date().timeIntervalSince(started)
        if !quiet {
            let shared = results.models.count(where: \.isShared)
            for phase in results.run.phases where phase.tasksDone > 0 {
                let tasks =
                    phase.name == "grid" && shared > 0
                    ? "\(phase.tasksDone - shared) models trained for \(phase.tasksDone) cells"
                    : "\(phase.tasksDone) tasks"
                log(
                    "scan: \(phase.name) took " + String(format: "%.1f s (", phase.wallSeconds ?? 0) + tasks
                        + String(format: ", %.1f task-seconds)", phase.taskSeconds ?? 0))
            }
            for failure in results.run.failedTasks { log("scan: FAILED \(failure.summary): \(failure.error)") }
        }
        print(
            String(
                format: "scan: run %@ %@ in %.1f s; %d models; report: %@", run, results.run.status.rawValue, seconds,
                results.models.count, directory.appendingPathComponent("report.html").path))
        if let error = final.error, results.run.status == .failed { log("scan: the run failed: \(error)") }
        return Outcome(run: run, status: results.run.status, reportDirectory: directory, seconds: seconds)
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
