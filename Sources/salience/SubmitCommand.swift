import ArgumentParser
import Cluster
import Foundation

/// A run description file for `salience submit` (JSON).
struct RunFile: Decodable {
    /// One task: its kind and a body given as text, base64 or little-endian UInt64 words.
    struct Task: Decodable {
        var kind: String
        var text: String?
        var base64: String?
        var u64: [UInt64]?
        var arraysBase64: [String]?
    }
    var name: String?
    var planner: String?
    var leaseSeconds: Double?
    var tasks: [Task]

    func submission(file: String) throws -> RunSubmission {
        let specs = try tasks.enumerated().map { index, task -> TaskSpec in
            let given = [task.text != nil, task.base64 != nil, task.u64 != nil].filter { $0 }.count
            guard given <= 1 else {
                throw CommandFailure("\(file): task \(index) gives more than one of text, base64, u64.")
            }
            var body = Data()
            if let text = task.text { body = Data(text.utf8) }
            if let words = task.u64 { body = DiagnosticExecutors.data(words) }
            if let base64 = task.base64 {
                guard let decoded = Data(base64Encoded: base64) else {
                    throw CommandFailure("\(file): task \(index) has invalid base64.")
                }
                body = decoded
            }
            let arrays = try (task.arraysBase64 ?? []).map { text -> Data in
                guard let decoded = Data(base64Encoded: text) else {
                    throw CommandFailure("\(file): task \(index) has an invalid base64 array.")
                }
                return decoded
            }
            return TaskSpec(kind: task.kind, payload: Payload(body: body, arrays: arrays))
        }
        return RunSubmission(
            name: name, planner: planner ?? FlatPlanner.name, tasks: specs, leaseSeconds: leaseSeconds)
    }
}

/// `salience submit`: sends a run to a coordinator (or to a local embedded cluster): a run description
/// (JSON), or a scan spec (`.toml`), which goes the way `salience scan SPEC --to` sends it (`ScanRunner`),
/// so that one command serves both in scripts and batch jobs (ops/slurm).
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a scan spec (.toml) or a run described by a JSON file; prints the run id.",
        discussion: """
            A file ending in .toml is a scan spec (cluster/scan-example.toml): it is checked, submitted to the \
            coordinator's scan planner as `salience scan SPEC --to` does, and with --wait followed with \
            progress lines until its report is written (relative output directories resolve under each \
            worker's --output-root).

            Any other file is a run description: {"name": "...", "planner": "flat", "lease_seconds": 600, \
            "tasks": [{"kind": "cluster.spin", "u64": [0, 100000]}, {"kind": "cluster.read", "text": \
            "relative/path"}, {"kind": "...", "base64": "...", "arrays_base64": ["..."]}]}.

            With --local N the run goes to an embedded cluster of N worker processes that is shut down \
            afterwards.

            Examples:
              salience submit scan.toml --to tcp://head-node:5555 --wait
              salience submit run.json --to tcp://head-node:5555
              salience submit run.json --local 2 --data-root .
            """)

    @Argument(help: "The scan spec (.toml) or run description (JSON).")
    var file: String

    @OptionGroup var connection: CoordinatorConnectionOptions

    @Flag(help: "Wait until the run finishes and print its final status.")
    var wait = false

    @Option(help: "Run on an embedded cluster of this many local worker processes instead of --to.")
    var local: Int?

    @Option(help: "Data root for --local workers.")
    var dataRoot: String = "."

    @Flag(
        help: """
            Print the submission as JSON ({"endpoint": ..., "run": ...}) instead of the bare id; with --wait on \
            a run description the final status follows as a second JSON line.
            """)
    var json = false

    func validate() throws {
        if let local, local < 1 || local > 64 { throw ValidationError("--local must be between 1 and 64.") }
        if json, local != nil { throw ValidationError("--json goes with --to (--local prints the run's status).") }
    }

    /// Whether `file` is a scan spec rather than a run description: by its extension, so that a broken
    /// spec is reported as a spec (field and reason), not as invalid JSON.
    var isScanSpec: Bool { URL(fileURLWithPath: file).pathExtension.lowercased() == "toml" }

    func run() throws {
        if isScanSpec { return try submitScan() }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw CommandFailure("cannot read \(file): \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let runFile: RunFile
        do { runFile = try decoder.decode(RunFile.self, from: data) } catch {
            throw CommandFailure(
                "\(file) is not a valid run description (JSON; a scan spec must end in .toml): \(error)")
        }
        let submission = try runFile.submission(file: file)
        if let local {
            let options = EmbeddedCluster.Options(
                workers: local, executable: URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath(),
                dataRoot: URL(fileURLWithPath: dataRoot))
            let status = try EmbeddedCluster.with(
                options: options, logger: commandLogger("salience.local", level: .warning)
            ) {
                try $0.run(submission).status
            }
            print(StatusCommand.render(status))
            if status.state != .completed { throw ExitCode.failure }
            return
        }
        let client = try connection.client()
        let run = try client.submit(submission)
        SubmissionOutput.print(run: run, endpoint: connection.endpoint, json: json)
        if wait {
            let status = try client.waitForRun(run)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                print(String(decoding: try encoder.encode(status), as: UTF8.self))
            } else {
                print(StatusCommand.render(status))
            }
            if status.state != .completed { throw ExitCode.failure }
        }
    }

    /// A scan spec: submitted (and with `--wait` followed to its report) by the same `ScanRunner` as
    /// `salience scan`; with `--local`, run on an embedded cluster like `salience scan --workers`.
    private func submitScan() throws {
        let spec = try ScanRunner.loadSpec(file)
        let runner = ScanRunner()
        if let local {
            let outcome = try runner.runEmbedded(spec, dataRoot: URL(fileURLWithPath: dataRoot), workers: local)
            if outcome.status != .succeeded { throw ExitCode.failure }
            return
        }
        let client = try connection.client()
        let (run, submitted) = try runner.submit(spec, client: client, absolutizingOutput: false)
        SubmissionOutput.print(run: run, endpoint: connection.endpoint, json: json)
        guard wait else { return }
        let outcome = try runner.follow(run: run, client: client, spec: spec, submittedAt: submitted)
        if outcome.status != .succeeded { throw ExitCode.failure }
    }
}
