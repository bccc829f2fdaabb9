import Foundation
import Logging

/// A task as a worker's executor receives it.
public struct TaskInput: Sendable {
    /// The task id (unique in the coordinator).
    public var id: Int64
    /// The run it belongs to.
    public var run: String
    /// Its phase in the run.
    public var phase: Int
    /// Its kind.
    public var kind: String
    /// Its input.
    public var payload: Payload

    /// A task input (workers make these; tests and local runs may too).
    public init(id: Int64, run: String, phase: Int, kind: String, payload: Payload) {
        self.id = id
        self.run = run
        self.phase = phase
        self.kind = kind
        self.payload = payload
    }
}

/// What an executor may use while running a task.
public struct TaskContext: Sendable {
    /// Resolves data paths; anything outside it is refused.
    public var dataRoot: DataRoot
    /// Confines what a task writes; anything outside it is refused.
    public var outputRoot: OutputRoot
    /// The worker's logger.
    public var logger: Logger
    /// Which executor thread runs the task (0 ..< threads).
    public var threadIndex: Int
    /// The worker's id (`host-pid-tag`), so that results can say where they were computed.
    public var worker: String

    /// A context (workers make these; tests and local runs may too).
    public init(
        dataRoot: DataRoot, outputRoot: OutputRoot = .currentDirectory, logger: Logger, threadIndex: Int = 0,
        worker: String = "local"
    ) {
        self.dataRoot = dataRoot
        self.outputRoot = outputRoot
        self.logger = logger
        self.threadIndex = threadIndex
        self.worker = worker
    }
}

/// Runs one kind of task on a worker. Executors are registered in the worker process; `execute` is called
/// concurrently from the worker's executor threads, so an executor must be thread-safe.
public protocol TaskExecutor: Sendable {
    /// The task kind this executor runs (e.g. `scan.moments`).
    var kind: String { get }
    /// Runs the task and returns its result; a thrown error is reported as the task's failure (its
    /// description is what the retry cap compares).
    func execute(_ task: TaskInput, context: TaskContext) throws -> Payload
}

/// The root a worker's data paths are relative to (`--data-root`); the rule is ``ConfinedRoot``.
public struct DataRoot: Sendable {
    /// The root directory, symlinks resolved.
    public let url: URL

    /// A root at `url`.
    public init(_ url: URL) {
        self.url = url.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// The file `relativePath` names under the root. Refuses absolute paths and paths that leave the
    /// root through `..` or a symbolic link.
    public func resolve(_ relativePath: String) throws -> URL {
        guard let resolved = ConfinedRoot.resolve(relativePath, under: url, allowingAbsolute: false) else {
            throw ClusterError.pathEscapesDataRoot(path: relativePath, root: url.path)
        }
        return resolved
    }
}
