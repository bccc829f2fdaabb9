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
                throw ValidationError("\(file): task \(index) gives more than one of text, base64, u64.")
            }
            var body = Data()
            if let text = task.text { body = Data(text.utf8) }
            if let words = task.u64 { body = DiagnosticExecutors.data(words) }
            if let base64 = task.base64 {
                guard let decoded = Data(base64Encoded: base64) else {
                    throw ValidationError("\(file): task \(index) has invalid base64.")
                }
                body = decoded
            }
            let arrays = try (task.arraysBase64 ?? []).map { text -> Data in
                guard let decoded = Data(base64Encoded: text) else {
                    throw ValidationError("\(file): task \(index) has an invalid base64 array.")
                }
                return decoded
            }
            return TaskSpec(kind: task.kind, payload: Payload(body: body, arrays: arrays))
        }
        return RunSubmission(
            name: name, planner: planner ?? FlatPlanner.name, tasks: specs, leaseSeconds: leaseSeconds)
    }
}

/// `salience submit`: sends a run to a coordinator (or to a local embedded cluster).
struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a run described by a JSON file; prints the run id.",
        discussion: """
            The file: {"name": "...", "planner": "flat", "lease_seconds": 600, "tasks": [{"kind": "cluster.spin",
            "u64": [0, 100000]}, {"kind": "cluster.read", "text": "relative/path"}, {"kind": "...", "base64": "...",
            "arrays_base64": ["..."]}]}. With --local N the run goes to an embedded cluster of N worker
            processes that is shut down afterwards.

            Examples:
              salience submit run.json --to tcp://head-node:5555
              salience submit run.json --local 2 --data-root .
            """)

    @Argument(help: "The run description (JSON).")
    var file: String

    @OptionGroup var connection: CoordinatorConnectionOptions

    @Flag(help: "Wait until the run finishes and print its final status.")
    var wait = false

    @Option(help: "Run on an embedded cluster of this many local worker processes instead of --to.")
    var local: Int?

    @Option(help: "Data root for --local workers.")
    var dataRoot: String = "."

    func validate() throws {
        if let local, local < 1 || local > 64 { throw ValidationError("--local must be between 1 and 64.") }
    }

    func run() throws {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: file)) } catch {
            throw ValidationError("cannot read \(file): \(error.localizedDescription)")
        }
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let runFile: RunFile
        do { runFile = try decoder.decode(RunFile.self, from: data) } catch {
            throw ValidationError("\(file) is not a valid run description: \(error)")
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
        print(run)
        if wait {
            let status = try client.waitForRun(run)
            print(StatusCommand.render(status))
            if status.state != .completed { throw ExitCode.failure }
        }
    }
}
