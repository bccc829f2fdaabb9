import Foundation

/// The timings of one phase's finished tasks folded together: the first start, the last finish, the
/// summed task seconds and the bytes read, in all and per worker (what the report's "Progress and timings"
/// table shows).
public struct PhaseTiming: Equatable, Sendable {
    /// The earliest task start.
    public private(set) var startedAt: Date
    /// The latest task finish.
    public private(set) var finishedAt: Date
    /// Task wall times summed over every task (over workers, so it may exceed the phase's wall time).
    public private(set) var taskSeconds: Double
    /// Tasks folded in.
    public private(set) var tasks: Int
    /// What the tasks read, in all.
    public private(set) var reads = TaskReads()
    /// What each worker did, by worker id (tasks of results without a worker id are under "").
    public private(set) var workers: [String: ScanResults.WorkerShare] = [:]

    /// The timing of a phase with one task so far.
    public init(_ task: TaskTiming, reads: TaskReads = TaskReads()) {
        startedAt = task.startedAt
        finishedAt = task.finishedAt
        taskSeconds = 0
        tasks = 0
        add(task, reads: reads)
    }

    /// Folds in one more task.
    public mutating func add(_ task: TaskTiming, reads: TaskReads = TaskReads()) {
        startedAt = min(startedAt, task.startedAt)
        finishedAt = max(finishedAt, task.finishedAt)
        taskSeconds += task.seconds
        tasks += 1
        self.reads.add(reads)
        let worker = task.worker ?? ""
        var share = workers[worker] ?? ScanResults.WorkerShare(worker: worker)
        share.tasks += 1
        share.taskSeconds += task.seconds
        share.bytesFromDataRoot += reads.bytesFromDataRoot
        share.bytesFromCache += reads.bytesFromCache
        workers[worker] = share
    }

    /// The name of the report phase a task kind belongs to (`catalog`, `statistics`, `ig`, `grid`, `report`).
    public static func phaseName(kind: String) -> String {
        switch kind {
        case ScanTaskKind.catalog: return "catalog"
        case ScanTaskKind.statistics, ScanTaskKind.ksg: return "statistics"
        case ScanTaskKind.ig: return "ig"
        case ScanTaskKind.train: return "grid"
        case ScanTaskKind.fuse: return "fusion"
        default: return "report"
        }
    }
}
