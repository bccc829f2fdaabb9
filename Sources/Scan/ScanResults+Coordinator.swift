import Cluster
import Foundation

extension ScanResults {
    /// A scan's results rebuilt from what a coordinator holds for `run`: every finished task's result, the
    /// run's state and its failures. Works at any time, also for a run still in progress. `spec` and
    /// `startedAt` describe the run when its catalog task has not finished (or failed).
    public static func fromCoordinator(
        client: ClusterClient, run: String, spec: ScanSpec? = nil, startedAt: Date? = nil
    ) throws -> ScanResults {
        guard let status = try client.status(run: run).runs.first else { throw ClusterError.unknownRun(run) }
        let records = try client.allResults(run: run)
        let ok = records.filter { $0.outcome.ok }.sorted {
            ($0.outcome.phase, $0.outcome.index) < ($1.outcome.phase, $1.outcome.index)
        }
        let progress = try ScanProgress(
            records: ok.map { ScanRecord(kind: $0.outcome.kind, result: $0.result ?? Payload()) })
        var failed = records.filter { !$0.outcome.ok }.map {
            ScanResults.FailedTask(
                taskId: String($0.outcome.id), phase: PhaseTiming.phaseName(kind: $0.outcome.kind),
                summary: "\($0.outcome.kind) (phase \($0.outcome.phase), task \($0.outcome.index))",
                error: $0.outcome.error ?? "unknown error", attempts: $0.outcome.attempts ?? 0)
        }
        let state: ScanResults.RunStatus
        switch status.state {
        case .running: state = .running
        case .completed: state = progress.reported ? .succeeded : .failed
        case .cancelled: state = .cancelled
        case .failed: state = .failed
        }
        if state == .failed, failed.isEmpty {
            failed.append(
                ScanResults.FailedTask(
                    taskId: "-", phase: "plan", summary: "run \(run)", error: status.error ?? "the run failed",
                    attempts: 0))
        }
        return try ScanAssembly.results(
            progress, runID: run, status: state, failedTasks: failed,
            finishedAt: state.isInProgress ? nil : progress.lastFinishedAt ?? Date(), spec: spec, startedAt: startedAt)
    }
}
