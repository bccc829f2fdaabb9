import Foundation

/// What a planner knows about the run it plans.
///
/// Earlier phases' results are loaded on demand: a planner that remembers what it folded (the scan planner's
/// `PlannerMemory`) checks the counts and reads nothing, so a phase boundary costs the newest phase's
/// results, not the whole history again (statistics partials can be hundreds of MB).
public struct RunContext: @unchecked Sendable {
    /// The run id.
    public var id: String
    /// The submitter's name for it.
    public var name: String?
    /// The planner's spec as submitted (for example a scan spec), when given.
    public var spec: Payload?
    /// How many successful results each phase before the one just finished has (phase 0 first): what
    /// `earlierPhase(_:)` would return, counted without reading them. Empty for `firstPhase`.
    public var earlierPhaseCounts: [Int]
    // The coordinator's loader reads its ledger from the coordinator's thread, the only one that plans;
    // hence @unchecked Sendable above (the closure is not Sendable, the context never crosses threads).
    private var load: (Int) throws -> [PhaseResult]

    /// A context (the coordinator makes these; tests calling a planner directly may too) with every
    /// earlier phase's successful results given at once.
    public init(id: String, name: String? = nil, spec: Payload? = nil, earlierPhases: [[PhaseResult]] = []) {
        self.init(id: id, name: name, spec: spec, earlierPhaseCounts: earlierPhases.map(\.count)) {
            earlierPhases[$0]
        }
    }

    /// A context whose earlier phases (`counts[p]` successful results in phase p) are read by `load` only
    /// when a planner asks for them.
    public init(
        id: String, name: String? = nil, spec: Payload? = nil, earlierPhaseCounts: [Int],
        load: @escaping (Int) throws -> [PhaseResult]
    ) {
        self.id = id
        self.name = name
        self.spec = spec
        self.earlierPhaseCounts = earlierPhaseCounts
        self.load = load
    }

    /// The successful results of earlier phase `phase`, in index order.
    public func earlierPhase(_ phase: Int) throws -> [PhaseResult] { try load(phase) }

    /// The successful results of every phase before the one just finished (phase 0 first), so a planner
    /// whose later phases need early results (a dataflow over several phases) can stay stateless.
    public var earlierPhases: [[PhaseResult]] {
        get throws { try earlierPhaseCounts.indices.map { try load($0) } }
    }
}

/// One successful task of a finished phase, as a planner receives it.
public struct PhaseResult: Sendable {
    /// The task's position in its phase.
    public var index: Int
    /// Its kind.
    public var kind: String
    /// Its result.
    public var result: Payload

    /// A finished task's result (the coordinator makes these; tests driving a planner directly may too).
    public init(index: Int, kind: String, result: Payload) {
        self.index = index
        self.kind = kind
        self.result = result
    }
}

/// The results of the phase just finished, read from the ledger only when a planner asks for them.
public struct PhaseResults: @unchecked Sendable {
    /// How many successful results the phase has (every task of the phase: a boundary is planned only
    /// when none failed), so their indices are `0..<count`.
    public var count: Int
    // Called on the planning thread only (hence @unchecked Sendable, as RunContext).
    private var read: () throws -> [PhaseResult]
    /// Results that `read` reads (the coordinator's reads its ledger).
    public init(count: Int, read: @escaping () throws -> [PhaseResult]) {
        self.count = count
        self.read = read
    }

    /// Results already in memory (tests calling a planner directly).
    public init(_ results: [PhaseResult]) {
        self.init(count: results.count) { results }
    }

    /// Every result, in index order.
    public func load() throws -> [PhaseResult] { try read() }
}

/// Drives a run through its phases on the coordinator: the first phase's tasks, then, each time a phase
/// has finished with every task successful, the next phase's tasks computed from its results (for
/// example: reduce the min/max partials of phase 0, then emit histogram tasks with agreed bin edges).
///
/// Planners are registered by name in the coordinator process. They must be deterministic: after a
/// coordinator restart a phase transition may be planned again from the same results, and only the
/// first plan is kept.
public protocol RunPlanner: Sendable {
    /// Phase 0's tasks, given the tasks the submitter sent (a flat run just returns them).
    func firstPhase(of run: RunContext, submitted: [TaskSpec]) throws -> [TaskSpec]
    /// The tasks of phase `phase + 1`, given every result of `phase` in index order; empty when the run is
    /// complete.
    func nextPhase(after phase: Int, of run: RunContext, results: [PhaseResult]) throws -> [TaskSpec]
    /// The same, with the results read only if the planner asks for them: what the coordinator calls. A
    /// planner that folded the phase's results as they arrived (``resultAccepted(run:phase:result:)``)
    /// plans without reading hundreds of MB back from the ledger. By default it reads them and calls
    /// ``nextPhase(after:of:results:)``.
    func nextPhase(after phase: Int, of run: RunContext, newest: PhaseResults) throws -> [TaskSpec]
    /// Told, on the planning thread, of each successful result of the run's current phase as the ledger
    /// accepts it (each task once, in acceptance order, before that phase's boundary is planned), so that it
    /// can fold results while the phase runs instead of all at once at its end. Only a hint: after a
    /// restart, nothing of the phase so far is told again. By default ignored.
    func resultAccepted(run: String, phase: Int, result: PhaseResult)
    /// Told, on the planning thread, that a run ended (completed, failed or cancelled): what it kept for the
    /// run can go. By default ignored.
    func runEnded(run: String)
    /// The run's parts with their final task counts, when the planner knows them (nil: per kind, as created).
    func progressGroups(run: String) -> [ProgressGroup]?
}

extension RunPlanner {
    /// Reads the results and plans from them.
    public func nextPhase(after phase: Int, of run: RunContext, newest: PhaseResults) throws -> [TaskSpec] {
        try nextPhase(after: phase, of: run, results: newest.load())
    }

    /// Ignored by default.
    public func resultAccepted(run: String, phase: Int, result: PhaseResult) {}

    /// Ignored by default.
    public func runEnded(run: String) {}

    /// By default the submitted tasks are phase 0.
    public func firstPhase(of run: RunContext, submitted: [TaskSpec]) throws -> [TaskSpec] { submitted }

    /// By default progress is shown per task kind, counting the tasks created so far.
    public func progressGroups(run: String) -> [ProgressGroup]? { nil }
}

/// A part of a run as its users name it (a scan's `statistics`, `ig`, `grid`), with the task kinds it
/// is made of and how many tasks it will have in all, counting those later phases have not created yet: what
/// STATUS shows progress and the whole run's ETA by.
public struct ProgressGroup: Sendable, Equatable {
    /// The name users know it by.
    public var name: String
    /// The task kinds counted in it.
    public var kinds: [String]
    /// Its tasks, all phases included.
    public var total: Int
    /// Whether its remaining tasks count in the whole-run ETA (false for a run's bookkeeping tasks, which
    /// take seconds and would otherwise keep the ETA unknown until they have run once).
    public var countsInETA: Bool

    /// A group.
    public init(name: String, kinds: [String], total: Int, countsInETA: Bool = true) {
        self.name = name
        self.kinds = kinds
        self.total = total
        self.countsInETA = countsInETA
    }
}

/// The built-in planner for a flat list of tasks: one phase, exactly what was submitted.
public struct FlatPlanner: RunPlanner {
    /// The name runs use to ask for it (the default).
    public static let name = "flat"

    /// A flat planner.
    public init() {}

    public func nextPhase(after phase: Int, of run: RunContext, results: [PhaseResult]) throws -> [TaskSpec] { [] }
}
