import Saliency

/// Gathers the small pooled batches of a pass until they make one worth a partial of its own.
///
/// Why: a unit of 1,024 frames pools into a handful of utterances, and a cut utterance into one row, but
/// the partials of a batch cost in proportion to the whole statistic, not to its rows: at D = 1024 a
/// covariance partial is 8 MiB to zero, fill and merge for every batch, however few rows it holds. On
/// uncompressed shards that was most of the pass (perf: 60 % in zeroing, rank-k updates of k ≈ 10 and
/// pairwise merges). Gathered batches of at least `rows` rows cost one rank-256 update each.
///
/// Batches are gathered and flushed in merge order and a flush happens at a row count, so the partials are
/// the same whatever the number of threads and however fast each one runs.
struct BatchCoalescer {
    /// Rows at which gathered batches are flushed (and from which a batch is not gathered at all).
    static let rows = 256

    private var pending: [Observations] = []
    private var pendingRows = 0

    /// Whether `batch` is small enough to be gathered rather than given partials of its own.
    static func gathers(_ batch: Observations) -> Bool { batch.count < rows }

    /// Adds `batch`; returns the gathered batches as one when they reach `rows` rows.
    mutating func add(_ batch: Observations) throws -> Observations? {
        if let first = pending.first, !Self.compatible(first, batch) {
            // Not expected within a pass (its batches share columns and targets); kept apart rather than mixed.
            let flushed = try take()
            pending = [batch]
            pendingRows = batch.count
            return flushed
        }
        pending.append(batch)
        pendingRows += batch.count
        return pendingRows >= Self.rows ? try take() : nil
    }

    /// The gathered batches as one (nil when none are left).
    mutating func take() throws -> Observations? {
        guard !pending.isEmpty else { return nil }
        defer {
            pending = []
            pendingRows = 0
        }
        return pending.count == 1 ? pending[0] : try Observations.concatenating(pending)
    }

    private static func compatible(_ a: Observations, _ b: Observations) -> Bool {
        a.dimensions == b.dimensions && a.targetCount == b.targetCount && a.firstDimension == b.firstDimension
            && (a.rowKeys == nil) == (b.rowKeys == nil)
    }
}
