import Foundation

extension ScanResults {
    /// What was run, on what, when, and how it went.
    public struct Run: Codable, Equatable, Sendable {
        /// The run's id (the ledger's).
        public var id: String
        /// The spec as submitted.
        public var spec: ScanSpec
        /// The dataset's facts as the run saw them.
        public var dataset: DatasetSummary
        /// When the scan was submitted.
        public var startedAt: Date
        /// When it finished; nil while it runs.
        public var finishedAt: Date?
        /// Where it stands.
        public var status: RunStatus
        /// Each phase of the task graph, in order.
        public var phases: [Phase]
        /// Tasks that failed for good, with their errors.
        public var failedTasks: [FailedTask]

        /// Creates run metadata.
        public init(
            id: String, spec: ScanSpec, dataset: DatasetSummary, startedAt: Date, finishedAt: Date? = nil,
            status: RunStatus, phases: [Phase] = [], failedTasks: [FailedTask] = []
        ) {
            self.id = id
            self.spec = spec
            self.dataset = dataset
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.status = status
            self.phases = phases
            self.failedTasks = failedTasks
        }

        /// The phase named `name`, if the run has it.
        public func phase(_ name: String) -> Phase? { phases.first { $0.name == name } }
    }

    /// Where a run stands.
    public enum RunStatus: String, Codable, Sendable {
        /// Submitted, not started.
        case pending
        /// Tasks are running; results are partial.
        case running
        /// Every task finished.
        case succeeded
        /// The run stopped on a failure; see the failed tasks.
        case failed
        /// Stopped by a user.
        case cancelled

        /// Whether more results may still come.
        public var isInProgress: Bool { self == .pending || self == .running }
    }

    /// The facts of the dataset a run read.
    public struct DatasetSummary: Codable, Equatable, Sendable {
        /// The directory, relative to the data root.
        public var directory: String
        /// `regression` or `binary`.
        public var task: String
        /// The targets the run used.
        public var targets: [String]
        /// Every condition evaluated, `clean` first.
        public var conditions: [String]
        /// The embedding width D.
        public var dimension: Int
        /// The encoder that made the embeddings (the shards' `encoder` attribute), if known.
        public var encoder: String?
        /// Utterances in the train, dev and test splits of the clean condition, if known.
        public var utterances: SplitCounts?
        /// The layers the scan read, side by side in this order (column c is a (layer, dimension) pair);
        /// nil for a dataset of version-1 shards (one layer), and absent from JSON then.
        public var layers: [LayerWidth]? = nil

        /// Creates a dataset summary.
        public init(
            directory: String, task: String, targets: [String], conditions: [String], dimension: Int,
            encoder: String? = nil, utterances: SplitCounts? = nil, layers: [LayerWidth]? = nil
        ) {
            self.directory = directory
            self.task = task
            self.targets = targets
            self.conditions = conditions
            self.dimension = dimension
            self.encoder = encoder
            self.utterances = utterances
            self.layers = layers
        }
    }

    /// One layer of a layered dataset: its number and width.
    public struct LayerWidth: Codable, Equatable, Hashable, Sendable {
        /// The encoder's layer number.
        public var layer: Int
        /// D of the layer.
        public var dimension: Int

        /// Creates a layer width.
        public init(layer: Int, dimension: Int) {
            self.layer = layer
            self.dimension = dimension
        }
    }

    /// Utterance counts per split.
    public struct SplitCounts: Codable, Equatable, Sendable {
        /// Train utterances.
        public var train: Int
        /// Dev utterances.
        public var dev: Int
        /// Test utterances.
        public var test: Int

        /// Creates split counts.
        public init(train: Int, dev: Int, test: Int) {
            self.train = train
            self.dev = dev
            self.test = test
        }
    }

    /// One phase of the task graph (`statistics`, `scores`, `baseline`, `ig`, `selections`, `grid`, ...).
    public struct Phase: Codable, Equatable, Sendable {
        /// The phase's name.
        public var name: String
        /// Where it stands.
        public var state: PhaseState
        /// When its first task started.
        public var startedAt: Date?
        /// When its last task finished.
        public var finishedAt: Date?
        /// Tasks finished (successfully).
        public var tasksDone: Int
        /// Tasks in the phase.
        public var tasksTotal: Int
        /// Summed task time across workers, seconds (wall time is `finishedAt - startedAt`).
        public var taskSeconds: Double?
        /// Decoded bytes its tasks read from the data root (absent when its tasks did not say).
        public var bytesFromDataRoot: Int?
        /// Decoded bytes its tasks read from workers' column caches.
        public var bytesFromCache: Int?
        /// What each worker did in it, by worker id (absent when its tasks did not say).
        public var workers: [WorkerShare]?

        /// Creates a phase record.
        public init(
            name: String, state: PhaseState, startedAt: Date? = nil, finishedAt: Date? = nil, tasksDone: Int = 0,
            tasksTotal: Int = 0, taskSeconds: Double? = nil
        ) {
            self.name = name
            self.state = state
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.tasksDone = tasksDone
            self.tasksTotal = tasksTotal
            self.taskSeconds = taskSeconds
        }

        /// Bytes read from the data root by its busiest worker (the figure the column cache bounds).
        public var maxBytesFromDataRootPerWorker: Int? { workers?.map(\.bytesFromDataRoot).max() }

        /// Wall time from the first task's start to the last one's end, when both are known.
        public var wallSeconds: Double? {
            guard let startedAt, let finishedAt else { return nil }
            return finishedAt.timeIntervalSince(startedAt)
        }
    }

    /// Where a phase stands.
    public enum PhaseState: String, Codable, Sendable {
        /// No task started yet.
        case pending
        /// Some tasks done or running.
        case running
        /// Every task done.
        case done
        /// At least one task failed for good.
        case failed
    }

    /// A task that failed for good (after its retries).
    public struct FailedTask: Codable, Equatable, Sendable {
        /// The task's id in the ledger.
        public var taskId: String
        /// The phase it belonged to.
        public var phase: String
        /// What the task was (`train ccs ratio 0.5 seed 2 std-aux`, `statistics shard-003.h5 rows 0..<512`).
        public var summary: String
        /// The last error, with file and reason.
        public var error: String
        /// How many times it was tried.
        public var attempts: Int

        /// Creates a failed-task record.
        public init(taskId: String, phase: String, summary: String, error: String, attempts: Int) {
            self.taskId = taskId
            self.phase = phase
            self.summary = summary
            self.error = error
            self.attempts = attempts
        }
    }
}
