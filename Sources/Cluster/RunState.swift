/// Where a run is: one spelling on the wire (STATUS, CANCELLED, RESULTS pages), in the ledger's `runs.state`
/// column and in the coordinator's memory, so that a typo is a compile error rather than a run that never ends.
public enum RunState: String, Codable, Sendable, CaseIterable {
    /// Its current phase has tasks pending or leased; the planner may still add phases.
    case running
    /// The planner had nothing more to do and no task failed for good.
    case completed
    /// A task failed for good, or the planner refused to go on; `error` says why.
    case failed
    /// A client cancelled it; pending tasks were dropped, finished results kept.
    case cancelled

    /// Whether the run can still change (anything but running is final).
    public var isFinal: Bool { self != .running }
}
