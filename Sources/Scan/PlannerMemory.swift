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
    /// Progress groups of runs whose last phase was planned (their entries are gone), the newest 64, so that
    /// STATUS of a finished run still names its parts.
    private var finishedGroups: [(run: String, groups: [ProgressGroup])] = []
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
        let groups = finished ? entry.progress.catalog.map(Self.groups) : nil
        lock.withLock {
            entries[run] = finished ? nil : entry
            if let groups {
                finishedGroups.append((run, groups))
                if finishedGroups.count > 64 { finishedGroups.removeFirst() }
            }
        }
        return planned.tasks
    }

    /// Times the whole history was read because this memory did not hold it (once per run while it keeps up).
    public private(set) var historyReads = 0

    /// The parts of `run` as the report names them, with their final task counts from the catalog, while
    /// this memory holds the run (from its first plan after the catalog until its report is planned).
    func progressGroups(run: String) -> [ProgressGroup]? {
        let (catalog, finished) = lock.withLock {
            (entries[run]?.progress.catalog, finishedGroups.last { $0.run == run }?.groups)
        }
        if let finished { return finished }
        return catalog.map(Self.groups)
    }

    /// A scan's parts as the report names them, with their task counts from the catalog.
    static func groups(_ catalog: CatalogResult) -> [ProgressGroup] {
        let graph = ScanGraph(catalog: catalog)
        return [
            ProgressGroup(name: "catalog", kinds: [ScanTaskKind.catalog], total: 1, countsInETA: false),
            ProgressGroup(
                name: "statistics", kinds: [ScanTaskKind.statistics, ScanTaskKind.ksg],
                total: graph.statisticsTaskCount),
            ProgressGroup(name: "ig", kinds: [ScanTaskKind.ig], total: graph.igTaskCount),
            ProgressGroup(name: "grid", kinds: [ScanTaskKind.train], total: graph.trainTaskCount),
            ProgressGroup(name: "fusion", kinds: [ScanTaskKind.fuse], total: graph.fuseTaskCount),
            ProgressGroup(name: "report", kinds: [ScanTaskKind.report], total: 1, countsInETA: false),
        ].filter { $0.total > 0 }
    }

    private func count(_ records: Int) {
        lock.withLock { recordsFolded += records }
    }
}
