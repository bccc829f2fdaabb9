import Foundation

/// When and where one scan task ran: the worker's clock at the start and end of `execute`, and the worker. Every scan
/// executor stamps its result body with it (key `timing`), so phase timings are rebuilt from the results
/// alone, like everything else in a report. Times of tasks on different machines are only as comparable as
/// the machines' clocks.
public struct TaskTiming: Codable, Equatable, Sendable {
    /// The worker's clock when the task started.
    public var startedAt: Date
    /// The worker's clock when it finished.
    public var finishedAt: Date
    /// The worker that ran it (`host-pid-tag`; absent in results of earlier builds).
    public var worker: String?

    /// A timing.
    public init(startedAt: Date, finishedAt: Date, worker: String? = nil) {
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.worker = worker
    }

    /// The task's own wall time, seconds (never negative, even if the clock stepped back).
    public var seconds: Double { max(0, finishedAt.timeIntervalSince(startedAt)) }

    /// The body key the timing is stored under.
    public static let key = "timing"
}
