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

            With --detach it prints the run id alone (or with --json one object with run and endpoint), \
            as `salience submit` does, and returns.

            Examples:
              salience scan cluster/scan-example.toml --data-root /shared/datasets
              salience scan scan.toml --to tcp://head-node:5555
              run=$(salience scan scan.toml --to tcp://head-node:5555 --detach)
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

    @Flag(help: "With --detach: print the submission as JSON ({\"endpoint\": ..., \"run\": ...}).")
    var json = false

    @Flag(help: "Print no progress lines.")
    var quiet = false

    @Option(
        help: """
            With --dry-run: a finished pilot scan (its output directory or results.json) whose measured rates \
            estimate each phase's time (docs/cost-model.md).
            """)
    var pilot: String?

    @Option(help: "With --pilot: the worker slot counts to estimate for, comma-separated.")
    var estimateWorkers = "2,8,32,128"

    @Flag(help: "Replace the results and report a finished scan left in the [output] directory.")
    var overwrite = false

    @Flag(
        help: """
            Print what the scan would do — models per method and rule, tasks and bytes read per phase, from the \
            dataset's headers under --data-root — and run nothing.
            """)
    var dryRun = false

    func validate() throws {
        if workers < 1 || workers > 64 { throw ValidationError("--workers must be between 1 and 64.") }
        if endpoint == nil, curve.isGiven { throw ValidationError("--key and --server-key go with --to.") }
        if pilot != nil, !dryRun { throw ValidationError("--pilot goes with --dry-run.") }
        if detach, endpoint == nil { throw ValidationError("--detach goes with --to.") }
        if json, !detach { throw ValidationError("--json goes with --detach (a followed scan prints progress).") }
        if endpoint != nil, outputRoot != nil {
            throw ValidationError("--output-root is for the embedded cluster; with --to, give it to the workers.")
        }
    }

    func run() throws {
        if let endpoint {
            let spec = try ScanRunner.loadSpec(self.spec)
            if dryRun { throw ValidationError("--dry-run reads the dataset's headers here: run it without --to.") }
            let runner = ScanRunner(quiet: quiet)
            let client = try curve.client(endpoint: endpoint)
            let (run, submitted) = try runner.submit(spec, client: client, absolutizingOutput: false)
            if detach {
                SubmissionOutput.print(run: run, endpoint: endpoint, json: json)
                if !quiet { printError("scan: submitted run \(run) to \(endpoint); follow it with `salience status`") }
                return
            }
            print("scan: submitted run \(run) to \(endpoint)")
            fflush(stdout)  // a script or log collector reading a pipe learns the run id now, not at exit
            let outcome = try runner.follow(run: run, client: client, spec: spec, submittedAt: submitted)
            if outcome.status != .succeeded { throw ExitCode.failure }
            return
        }
        let local = try ScanRunner.loadLocalSpec(self.spec, dataRoot: URL(fileURLWithPath: dataRoot))
        if dryRun {
            do {
                let preview = try ScanPreview.make(spec: local.spec, dataRoot: DataRoot(local.dataRoot))
                print(preview.text)
                if let pilot { print(try estimateText(preview, spec: local.spec, pilot: pilot)) }
            } catch {
                throw CommandFailure("\(self.spec): \(error)")
            }
            return
        }
        let results = URL(fileURLWithPath: local.spec.output.directory).appendingPathComponent("results.json")
        if !overwrite, FileManager.default.fileExists(atPath: results.path) {
            let earlier = (try? ScanResults.load(contentsOf: results)).map {
                " (run \($0.run.id), \($0.run.status.rawValue), \($0.models.count) models)"
            }
            throw CommandFailure(
                "\(results.deletingLastPathComponent().path) already holds a scan's results\(earlier ?? ""); "
                    + "give --overwrite to replace them, or another [output] directory")
        }
        let outcome = try ScanRunner(quiet: quiet).runEmbedded(
            local.spec, dataRoot: local.dataRoot, outputRoot: outputRoot.map { URL(fileURLWithPath: $0) },
            workers: workers)
        if outcome.status != .succeeded { throw ExitCode.failure }
    }
}

extension ScanCommand {
    /// The estimated time per phase on each worker count, from the pilot's measured rates.
    func estimateText(_ preview: ScanPreview, spec: ScanSpec, pilot: String) throws -> String {
        var url = URL(fileURLWithPath: pilot)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            url.appendPathComponent("results.json")
        }
        let model: ScanCostModel
        do {
            let pilotResults = try ScanResults.load(contentsOf: url)
            try ScanCostModel.checkApplies(pilotResults, to: spec)
            model = try ScanCostModel(pilot: pilotResults)
        } catch {
            throw CommandFailure("--pilot \(url.path): \(error)")
        }
        // Every entry must be a count: a typo is refused, not dropped from the table.
        let entries = estimateWorkers.split(separator: ",", omittingEmptySubsequences: false)
        let counts = entries.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !counts.isEmpty, counts.count == entries.count, counts.allSatisfy({ $0 > 0 }) else {
            throw CommandFailure("--estimate-workers \(estimateWorkers): give positive counts, e.g. 8,32,128")
        }
        var lines = [
            String(
                format: "estimate from the pilot %@ (statistics %.0f MB/s per slot, %.0f %% of max epochs):", url.path,
                model.statisticsBytesPerSecond / 1e6, model.epochShare * 100)
        ]
        for workers in counts {
            let phases = model.estimate(preview, spec: spec, workers: workers)
            let total = phases.reduce(0) { $0 + $1.seconds }
            lines.append(
                "  \(workers) slots: "
                    + phases.map { "\($0.phase) \(ScanProgressDisplay.duration($0.seconds))" }.joined(separator: ", ")
                    + "; total \(ScanProgressDisplay.duration(total)) (phases in sequence: an upper bound)")
        }
        return lines.joined(separator: "\n")
    }
}
