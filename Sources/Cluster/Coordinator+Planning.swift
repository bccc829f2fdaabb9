import Foundation

/// A phase boundary planned off the loop thread, waiting for the loop to apply it.
struct PlannedPhase {
    /// How planning ended.
    enum Outcome {
        /// The next phase's tasks (empty: the run is complete).
        case tasks([TaskSpec])
        /// The planner refused the results: the run fails with this reason.
        case plannerFailed(String)
        /// The ledger could not be read: planning is tried again on a later cycle.
        case ledgerFailed(any Error)
    }

    var run: String
    /// The phase whose results were planned from.
    var phase: Int
    var outcome: Outcome
    var seconds: Double
}

/// Where planning jobs leave their outcomes for the loop (the one lock between the two threads).
final class PlannedPhaseMailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var outcomes: [PlannedPhase] = []

    func post(_ planned: PlannedPhase) { lock.withLock { outcomes.append(planned) } }

    func takeAll() -> [PlannedPhase] {
        lock.withLock {
            defer { outcomes.removeAll() }
            return outcomes
        }
    }
}

/// Phase boundaries. Planning the next phase reads the finished phase's results from the ledger and runs the
/// planner (for a scan: merging every statistics partial, PCA's eigen-decomposition, selections), which at
/// speech scale takes seconds. It runs on `planningQueue`, one boundary at a time, so that the loop goes on
/// answering heartbeats and clients meanwhile: a loop blocked for `heartbeatLiveness` seconds declares every
/// worker dead. Only the loop thread writes the ledger and touches the scheduler; the planning job only
/// reads the ledger (GRDB serialises the connection) and hands its tasks back through `plannedPhases`.
extension Coordinator {
    /// Starts planning for runs whose current phase has finished (a failed task fails the run at once).
    func checkRuns() {
        applyPlannedPhases()
        guard !runsToCheck.isEmpty else { return }
        let ids = runsToCheck
        runsToCheck.removeAll()
        for id in ids {
            guard let run = runs[id], run.state == .running, planning[id] == nil else { continue }
            let counts = run.phases[run.phase] ?? (0, 0, 0)
            guard counts.done + counts.failed >= counts.total else { continue }
            let now = Coordinator.now()
            do {
                if counts.failed > 0 {
                    let first = try ledger.failures(run: id, limit: 1).first
                    let error =
                        "\(counts.failed) task(s) of phase \(run.phase) failed"
                        + (first.map { "; first: task \($0.task) (\($0.kind)): \($0.error)" } ?? "")
                    try finish(run, state: .failed, error: error, now: now)
                    continue
                }
                guard let planner = planners[run.planner] else {
                    try finish(run, state: .failed, error: "no planner '\(run.planner)' in this coordinator", now: now)
                    continue
                }
                planning[id] = now
                let job = PlanningJob(
                    run: id, name: run.name, spec: run.spec, phase: run.phase, newestCount: counts.done,
                    earlierPhaseCounts: (0..<run.phase).map { run.phases[$0]?.done ?? 0 }, planner: planner,
                    ledger: ledger)
                let mailbox = plannedPhases
                planningQueue.async { mailbox.post(job.plan()) }
            } catch {
                logger.error("cannot advance run", metadata: ["run": "\(id)", "error": "\(error)"])
                runsToCheck.insert(id)
            }
        }
    }

    /// Applies what planning jobs finished: the next phase, or the run's end. A plan for a run that was
    /// cancelled (or moved on) meanwhile is dropped.
    func applyPlannedPhases() {
        for planned in plannedPhases.takeAll() {
            planning[planned.run] = nil
            guard let run = runs[planned.run], run.state == .running, run.phase == planned.phase else { continue }
            let now = Coordinator.now()
            if planned.seconds >= 1 {
                logger.info(
                    "phase planned",
                    metadata: [
                        "run": "\(run.id)", "after phase": "\(planned.phase)",
                        "seconds": "\(String(format: "%.1f", planned.seconds))",
                    ])
            }
            do {
                switch planned.outcome {
                case .tasks(let next) where next.isEmpty:
                    try finish(run, state: .completed, error: nil, now: now)
                case .tasks(let next):
                    try startPhase(run, phase: run.phase + 1, tasks: next)
                case .plannerFailed(let reason):
                    try finish(
                        run, state: .failed, error: "planner \(run.planner) after phase \(planned.phase): \(reason)",
                        now: now)
                case .ledgerFailed(let error):
                    throw error
                }
            } catch {
                logger.error("cannot advance run", metadata: ["run": "\(run.id)", "error": "\(error)"])
                runsToCheck.insert(run.id)
            }
        }
    }
}

/// One phase boundary to plan: everything the planner needs, captured on the loop thread.
private struct PlanningJob: @unchecked Sendable {
    var run: String
    var name: String?
    var spec: Payload?
    var phase: Int
    /// The finished phase's successful results (all of its tasks).
    var newestCount: Int
    var earlierPhaseCounts: [Int]
    var planner: any RunPlanner
    // GRDB's DatabaseQueue serialises every access, so reading from the planning thread is safe.
    var ledger: Ledger

    func plan() -> PlannedPhase {
        let started = Coordinator.now()
        let outcome: PlannedPhase.Outcome
        let (run, ledger, phase) = (self.run, self.ledger, self.phase)
        // Read only if the planner did not fold them as they arrived.
        let newest = PhaseResults(count: newestCount) {
            try ledger.outcomes(run: run, phase: phase, after: 0, limit: Int.max).map {
                PhaseResult(index: $0.0.index, kind: $0.0.kind, result: $0.1 ?? Payload())
            }
        }
        let context = RunContext(id: run, name: name, spec: spec, earlierPhaseCounts: earlierPhaseCounts) {
            phase in
            try ledger.outcomes(run: run, phase: phase, after: 0, limit: Int.max).compactMap {
                $0.0.ok ? PhaseResult(index: $0.0.index, kind: $0.0.kind, result: $0.1 ?? Payload()) : nil
            }
        }
        do {
            outcome = .tasks(try planner.nextPhase(after: phase, of: context, newest: newest))
        } catch let error as ClusterError {
            // A lazy read failing is the ledger's fault, not the plan's: planning is tried again.
            if case .ledger = error { outcome = .ledgerFailed(error) } else { outcome = .plannerFailed("\(error)") }
        } catch {
            outcome = .plannerFailed("\(error)")
        }
        return PlannedPhase(run: run, phase: phase, outcome: outcome, seconds: Coordinator.now() - started)
    }
}
