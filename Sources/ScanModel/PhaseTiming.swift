import Foundation

/// The timings of one phase's finished tasks folded together: the first start, the last finish and the
/// summed task seconds (what the report's "Progress and timings" table shows).
public struct PhaseTiming: Equatable, Sendable {
    /// The earliest task start.
    public private(set) var startedAt: Date
    /// The latest task finish.
    public private(set) var finishedAt: Date
    /// Task wall times summed over every task (over workers, so it may exceed the phase's wall time).
    public private(set) var taskSeconds: Double
    /// Tasks folded in.
    public private(set) var tasks: Int

    /// The timing of a phase with one task so far.
    public init(_ task: TaskTiming) {
        startedAt = task.startedAt
        finishedAt = task.finishedAt
        taskSeconds = task.seconds
        tasks = 1
    }

    /// Folds in one more task.
    public mutating func add(_ task: TaskTiming) {
        startedAt = min(startedAt, task.startedAt)
        finishedAt = max(finishedAt, task.finishedAt)
        taskSeconds += task.seconds
        tasks += 1
    }

    /// The name of the report phase a task kind belongs to (`catalog`, `statistics`, `ig`, `grid`, `report`).
    public static func phaseName(kind: String) -> String {
        switch kind {
        case ScanTaskKind.catalog: return "catalog"
        case ScanTaskKind.statistics, ScanTaskKind.ksg: return "statistics"
        case ScanTaskKind.ig: return "ig"
        case ScanTaskKind.train: return "grid"
        default: return "report"
        }
    }
}
