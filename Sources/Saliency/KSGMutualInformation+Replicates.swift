import Numerics

/// Bootstrap replicates of KSG (`mis`), which is not a sum: a weighted resample repeats rows, and a repeated
/// row is its own nearest neighbour at distance 0, which inflates the estimate (the tie-breaking noise only
/// moves the copy to 1e-10). So a replicate keeps each utterance whose Poisson weight is positive *once*: a
/// subsample of expected fraction f = P(W > 0) = 1 − e⁻¹ ≈ 0.632, chosen by the same hash of (seed,
/// replicate, utterance id) as CCS's weights, so replicate b of every method sees the same utterances.
///
/// The subsample estimates are centred on the point estimate and their spread kept as it is
/// (``ScoreReplicates/subsampled(method:point:subsamples:)`` says why, with the measurements).
extension KSGMutualInformation {
    /// The MI (mean over targets) of every column of `batch` on each of `bootstrap.replicates` subsamples,
    /// `out[b][d]`. The rows must carry their utterance keys.
    /// - Complexity: B times ``scores(_:)`` on about 0.63 of the rows.
    /// - Throws: `SaliencyError.invalidParameter` without row keys; the estimator's errors (a subsample with
    ///   k or fewer rows).
    public func subsampleScores(_ batch: Observations, bootstrap: BootstrapSettings) throws -> [[Double]] {
        guard let keys = batch.rowKeys else {
            throw SaliencyError.invalidParameter("KSG replicates need the utterance of every row (no row keys)")
        }
        return try (0..<bootstrap.replicates).map { replicate in
            var rows = [Int]()
            var lastKey: UInt64?
            var keep = false
            for (row, key) in keys.enumerated() {
                // Consecutive rows of one utterance (frame pooling) share its draw.
                if key != lastKey {
                    keep = PoissonBootstrap.weight(seed: bootstrap.seed, replicate: replicate, key: key) > 0
                    lastKey = key
                }
                if keep { rows.append(row) }
            }
            return try scores(batch.selecting(rows: rows)).mean
        }
    }
}
