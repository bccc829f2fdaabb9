import Cluster
import Foundation

/// What the scan planner keeps between phase boundaries of its runs: the progress folded so far and the
/// scores already computed, so that planning after phase n decodes and merges only phase n's results and
/// runs PCA's eigen-decomposition and the histogram MI once per run. Results are folded as the coordinator
/// accepts them (``accept(run:phase:index:record:)``), in index order, so that at a phase boundary nothing
/// is read back from the ledger and nothing is left to merge: at speech scale a statistics phase's results
/// are hundreds of MB (an 8 MB covariance partial per task at D = 1024), and reading and merging them all at
/// the boundary kept every worker idle for seconds.
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
        /// The current phase's results folded into `progress` as they arrived (nil: none yet).
        var ahead: FoldAhead?
    }

    /// Results of the phase under way folded ahead of its boundary, in index order: one that arrives
    /// before a lower index waits for it, so the merged partials are the same to the bit as a fold of the
    /// whole phase at its end (floating-point sums depend on their order).
    private struct FoldAhead {
        var phase: Int
        /// Indices below this are folded.
        var next = 0
        var waiting: [Int: ScanRecord] = [:]
        /// A record failed to fold: the boundary folds the whole history again and reports the error.
        var broken = false
    }

    private let lock = NSLock()
    private var entries: [String: Entry] = [:]
    /// Each run's parts with their task counts, from the first plan after its catalog (what STATUS asks for
    /// while an entry is out being folded).
    private var groups: [String: [ProgressGroup]] = [:]
    /// Progress groups of runs whose last phase was planned (their entries are gone), the newest 64, so that
    /// STATUS of a finished run still names its parts.
    private var finishedGroups: [(run: String, groups: [ProgressGroup])] = []
    /// Records folded since this memory was made (how much decoding and merging planning cost).
    public private(set) var recordsFolded = 0
    /// Records folded as they arrived, before their phase's boundary (part of `recordsFolded`).
    public private(set) var recordsFoldedAhead = 0
    /// Times a phase's results were read back at its boundary because they had not all been folded ahead.
    public private(set) var newestReads = 0

    /// An empty memory.
    public init() {}

    /// Folds one accepted result of `phase` into `run`'s entry ahead of the boundary, when the entry is the
    /// one that boundary will extend (planned through the phase before); otherwise the boundary reads it.
    func accept(run: String, phase: Int, index: Int, record: ScanRecord) {
        // Taken out while folding, so the merged partials are mutated in place rather than copied.
        guard var entry = lock.withLock({ entries.removeValue(forKey: run) }) else { return }
        defer { lock.withLock { entries[run] = entry } }
        guard entry.recordsPerPhase.count == phase else { return }
        var ahead = entry.ahead.flatMap { $0.phase == phase ? $0 : nil } ?? FoldAhead(phase: phase)
        defer { entry.ahead = ahead }
        guard !ahead.broken, index >= ahead.next, ahead.waiting[index] == nil else { return }
        ahead.waiting[index] = record
        while let record = ahead.waiting.removeValue(forKey: ahead.next) {
            do {
                try entry.progress.add([record])
            } catch {
                ahead.broken = true
                ahead.waiting = [:]
                return
            }
            ahead.next += 1
            count(1, ahead: true)
        }
    }

    /// The progress held for `run` (what tests compare with a fold of the whole history).
    func progress(of run: String) -> ScanProgress? { lock.withLock { entries[run]?.progress } }

    /// Lets go of a run that ended.
    func forget(run: String) {
        lock.withLock {
            entries[run] = nil
            groups[run] = nil
        }
    }

    /// The next tasks of `run`: `counts` holds every phase's number of successful records (phase 0 first,
    /// the newest last), `newest` reads the newest phase's records (called only when they were not all
    /// folded as they arrived), and `history` reads every phase's records (called only when this memory
    /// does not hold the earlier ones).
    func plan(
        run: String, counts: [Int], newest: () throws -> [ScanRecord], history: () throws -> [[ScanRecord]]
    ) throws -> [TaskSpec] {
        var entry: Entry
        let known = lock.withLock { entries.removeValue(forKey: run) }
        if var known, known.recordsPerPhase == Array(counts.dropLast()) {
            let ahead = known.ahead.flatMap { $0.phase == counts.count - 1 ? $0 : nil }
            known.ahead = nil
            if let ahead, !ahead.broken, ahead.waiting.isEmpty, ahead.next == counts.last {
                entry = known
            } else if ahead == nil || ahead?.next == 0 {
                entry = known
                let records = try newest()
                lock.withLock { newestReads += 1 }
                try entry.progress.add(records)
                count(records.count, ahead: false)
            } else {
                entry = try refold(history)
            }
        } else {
            entry = try refold(history)
        }
        entry.recordsPerPhase = counts
        let planned = try ScanPlanner.plan(entry.progress, runID: run, scores: entry.scores)
        entry.scores = planned.scores
        let finished = planned.tasks.isEmpty
        let runGroups = entry.progress.catalog.map(Self.groups)
        lock.withLock {
            entries[run] = finished ? nil : entry
            groups[run] = finished ? nil : runGroups
            if finished, let runGroups {
                finishedGroups.append((run, runGroups))
                if finishedGroups.count > 64 { finishedGroups.removeFirst() }
            }
        }
        return planned.tasks
    }

    /// An entry folded from the whole history.
    private func refold(_ history: () throws -> [[ScanRecord]]) throws -> Entry {
        let all = try history().flatMap { $0 }
        lock.withLock { historyReads += 1 }
        let entry = Entry(recordsPerPhase: [], progress: try ScanProgress(records: all), scores: ScanScores())
        count(all.count, ahead: false)
        return entry
    }

    /// Times the whole history was read because this memory did not hold it (once per run while it keeps up).
    public private(set) var historyReads = 0

    /// The parts of `run` as the report names them, with their final task counts from the catalog, while
    /// this memory holds the run (from its first plan after the catalog until its report is planned).
    func progressGroups(run: String) -> [ProgressGroup]? {
        lock.withLock { finishedGroups.last { $0.run == run }?.groups ?? groups[run] }
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

    private func count(_ records: Int, ahead: Bool) {
        lock.withLock {
            recordsFolded += records
            if ahead { recordsFoldedAhead += records }
        }
    }
}
