import ArgumentParser
import Cluster
import Foundation
import Learn
import Reports
import Scan

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

    /// A spec read for a run on this machine, and the data root its dataset is under.
    struct LocalSpec {
        var spec: ScanSpec
        var dataRoot: URL
    }

    /// Reads a spec for a run on this machine (embedded cluster, dry run), where paths mean what they mean
    /// to `scores` and `train`: an absolute `dataset.directory` is used as it is (its parent becomes the data
    /// root), and a relative `[output] directory` is relative to the spec file's folder, not to wherever the
    /// command was started. (A spec submitted to a remote coordinator keeps both relative: workers resolve
    /// them under their own `--data-root` and `--output-root`.)
    static func loadLocalSpec(_ path: String, dataRoot: URL) throws -> LocalSpec {
        let file = URL(fileURLWithPath: path).standardizedFileURL
        var root = dataRoot
        do {
            let spec = try ScanSpec.load(contentsOf: file) { spec in
                let dataset = spec.dataset.directory
                if dataset.hasPrefix("/") {
                    let url = URL(fileURLWithPath: dataset).standardizedFileURL
                    root = url.deletingLastPathComponent()
                    spec.dataset.directory = url.lastPathComponent
                }
                if !spec.output.directory.hasPrefix("/") {
                    spec.output.directory =
                        file.deletingLastPathComponent().appendingPathComponent(spec.output.directory)
                        .standardizedFileURL.path
                }
            }
            return LocalSpec(spec: spec, dataRoot: root)
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
        var createdOutput = false
        if let outputRoot {
            // The report this process writes at the end obeys the same root as the workers.
            do { _ = try OutputRoot(outputRoot).resolve(outputDirectory.path) } catch {
                throw CommandFailure("\(error)")
            }
        } else if !FileManager.default.fileExists(atPath: outputDirectory.path) {
            try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
            createdOutput = true
        }
        let options = EmbeddedCluster.Options(
            workers: workers, executable: URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath(),
            dataRoot: dataRoot, outputRoot: outputRoot ?? outputDirectory, planners: [ScanPlanner.name: ScanPlanner()])
        if !quiet { log("scan: starting an embedded cluster (coordinator + \(workers) worker processes)") }
        let outcome = try EmbeddedCluster.with(
            options: options, logger: commandLogger("salience.scan", level: .error)
        ) { cluster in
            let client = try cluster.client()
            let (run, submitted) = try submit(spec, client: client, absolutizingOutput: true)
            return try follow(run: run, client: client, spec: spec, submittedAt: submitted)
        }
        // A run that wrote nothing (it failed before its catalog) leaves no empty directory behind.
        if createdOutput, (try? FileManager.default.contentsOfDirectory(atPath: outputDirectory.path))?.isEmpty == true
        {
            try? FileManager.default.removeItem(at: outputDirectory)
        }
        return outcome
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
        // A run that failed before its catalog has nothing to report: its error is the whole story.
        let catalogued = results.run.dataset.dimension > 0
        if !reported, catalogued {
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
        let reportLine =
            reported || catalogued
            ? "report: " + directory.appendingPathComponent("report.html").path
            : "no report (the run failed before its dataset was catalogued)"
        print(
            String(
                format: "scan: run %@ %@ in %.1f s; %d models; ", run, results.run.status.rawValue, seconds,
                results.models.count)
                + reportLine)
        if let error = final.error, results.run.status == .failed { log("scan: the run failed: \(error)") }
        return Outcome(run: run, status: results.run.status, reportDirectory: directory, seconds: seconds)
    }

    private func log(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
