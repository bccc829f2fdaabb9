import ArgumentParser
import Cluster
import Foundation
import Learn
import Logging
import Scan
import Shards

/// Task executors this worker offers (other modules add theirs here).

/// `salience worker`: runs tasks for a coordinator.
struct WorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a cluster worker: it asks the coordinator for tasks and runs them.",
        discussion: """
            Start any number, any time; each reconnects by itself. Data paths in tasks are relative to \
            --data-root; a path escaping it is refused.

            Example:
              salience worker --connect tcp://head-node:5555 \\
                --data-root /shared/datasets --threads 2 \\
                --key keys/worker-1.key --server-key keys/coordinator.pub
            """)

    @Option(name: .customLong("connect"), help: "The coordinator's endpoint.")
    var endpoint: String

    @Option(help: "Directory that task data paths are relative to.")
    var dataRoot: String

    @Option(
        help: """
            Directory task outputs (reports, models) are confined to: relative output paths resolve under it, \
            and a path leaving it (absolute elsewhere, .., a symbolic link) is refused. Default: the current \
            directory.
            """)
    var outputRoot: String?

    @Option(help: "Executor threads.")
    var threads: Int = 1

    @Option(help: "Tasks held at once (default: 2 per thread).")
    var window: Int?

    @OptionGroup var curve: CurveClientOptions

    @Option(help: "Stop when this parent process exits (used by embedded clusters).")
    var parentPid: Int32?

    @Option(
        help: """
            A local directory where training tasks keep decoded copies of the shards they read, so the data root \
            is read once per machine, not once per task (shared by the workers of one machine; default: none).
            """)
    var cacheDir: String?

    @Option(help: "GB the --cache-dir may hold (least recently used entries are removed beyond it).")
    var cacheLimit: Double = 50

    @Option(
        help: """
            MiB of frames the worker's training tasks may hold in memory, shared among its --threads (each task \
            gets memory / threads; frames beyond it are streamed from a local file). Default: a quarter of RAM.
            """)
    var memory: Int?

    @Option(help: "Log level.")
    var logLevel: LogLevelOption = .info

    func validate() throws {
        if !(cacheLimit > 0) { throw ValidationError("--cache-limit must be > 0 (GB).") }
        if let memory, memory < 1 { throw ValidationError("--memory must be at least 1 (MiB).") }
        if threads < 1 || threads > 1024 { throw ValidationError("--threads must be between 1 and 1024.") }
        if let window, window < 1 { throw ValidationError("--window must be at least 1.") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dataRoot, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--data-root \(dataRoot) is not a directory.")
        }
        if let outputRoot {
            guard FileManager.default.fileExists(atPath: outputRoot, isDirectory: &isDirectory), isDirectory.boolValue
            else { throw ValidationError("--output-root \(outputRoot) is not a directory.") }
        }
    }

    func run() throws {
        let logger = commandLogger("salience.worker", level: logLevel.level)
        let security = try curve.security()
        let worker = try Worker(
            configuration: WorkerConfiguration(
                endpoint: endpoint, dataRoot: URL(fileURLWithPath: dataRoot),
                outputRoot: outputRoot.map { URL(fileURLWithPath: $0) }, threads: threads, window: window,
                security: security, parentPID: parentPid),
            executors: try executors(), logger: logger)
        try runUntilSignalled([WorkerService(worker)], logger: logger)
    }

    /// The diagnostic and scan executors, the training tasks reading through the column cache when given.
    func executors() throws -> [any TaskExecutor] {
        let cache = try cacheDir.map {
            try ColumnCache(directory: URL(fileURLWithPath: $0), limitBytes: Int(cacheLimit * 1e9))
        }
        // Each slot's share, so a worker of many threads does not give each of them the whole budget.
        let total = memory.map { $0 << 20 } ?? TrainingDefaults.memoryBudget()
        return DiagnosticExecutors.all + ScanExecutors.all(columnCache: cache, trainingMemory: total / threads)
    }
}
