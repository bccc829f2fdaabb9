import Cluster
import Foundation

/// What the scan planner keeps between phase boundaries of its runs: the progress folded so far and the
/// scores already computed, so that planning after phase n decodes and merges only phase n's results and
/// runs PCA's eigen-decomposition and the histogram MI once per run.
///
/// It is a cache, never the truth: an entry is used only when the history handed to the planner is the
/// one it folded plus one more phase (the same number of records in every earlier phase); anything else —
/// a coordinator restart, a planner asked about a run out of order — folds the whole history again, which
/// gives the same progress (records fold in the same order) and so the same plan. The coordinator calls a
/// planner from one thread; the lock keeps it safe if that ever changes.
public final class PlannerMemory: @unchecked Sendable {
    private struct Entry {
        var recordsPerPhase: [Int]
        var progress: ScanProgress
        var scores: ScanScores
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    /// Records folded since this memory was made (how much decoding and merging planning cost).
    public private(set) var recordsFolded = 0

    /// An empty memory.
    public init() {}

    /// The next tasks of `run`: `counts` holds every phase's number of successful records (phase 0 first,
    /// the newest last), `newest` the newest phase's records, and `history` reads every phase's records
    /// (called only when this memory does not hold the earlier ones).
    func plan(
        run: String, counts: [Int], newest: [ScanRecord], history: () throws -> [[ScanRecord]]
    ) throws -> [TaskSpec] {
        var entry: Entry
        if let known = lock.withLock({ entries[run] }), known.recordsPerPhase == Array(counts.dropLast()) {
            entry = known
            try entry.progress.add(newest)
            count(newest.count)
        } else {
            let all = try history().flatMap { $0 }
            lock.withLock { historyReads += 1 }
            entry = Entry(recordsPerPhase: [], progress: try ScanProgress(records: all), scores: ScanScores())
            count(all.count)
        }
        entry.recordsPerPhase = counts
        let planned = try ScanPlanner.plan(entry.progress, runID: run, scores: entry.scores)
        entry.scores = planned.scores
        let finished = planned.tasks.isEmpty
        lock.withLock { entries[run] = finished ? nil : entry }
        return planned.tasks
    }

    /// Times the whole history was read because this memory did not hold it (once per run while it keeps up).
    public private(set) var historyReads = 0

    private func count(_ records: Int) {
        lock.withLock { recordsFolded += records }
    }
}
