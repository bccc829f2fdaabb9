import Foundation

/// What a planner knows about the run it plans.
public struct RunContext: Sendable {
    /// The run id.
    public var id: String
    /// The submitter's name for it.
    public var name: String?
    /// The planner's spec as submitted (for example a scan spec), when given.
    public var spec: Payload?
    /// The successful results of every phase before the one just finished (phase 0 first), so a planner
    /// whose later phases need early results (a dataflow over several phases) stays stateless. Filled for
    /// `nextPhase`; empty for `firstPhase`.
    public var earlierPhases: [[PhaseResult]] = []

    /// A context (the coordinator makes these; tests calling a planner directly may too).
    public init(id: String, name: String? = nil, spec: Payload? = nil, earlierPhases: [[PhaseResult]] = []) {
        self.id = id
        self.name = name
        self.spec = spec
        self.earlierPhases = earlierPhases
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
}

extension RunPlanner {
    /// By default the submitted tasks are phase 0.
    public func firstPhase(of run: RunContext, submitted: [TaskSpec]) throws -> [TaskSpec] { submitted }
}

/// The built-in planner for a flat list of tasks: one phase, exactly what was submitted.
public struct FlatPlanner: RunPlanner {
    /// The name runs use to ask for it (the default).
    public static let name = "flat"

    /// A flat planner.
    public init() {}

    public func nextPhase(after phase: Int, of run: RunContext, results: [PhaseResult]) throws -> [TaskSpec] { [] }
}
