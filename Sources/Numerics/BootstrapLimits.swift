/// The bounds on bootstrap replicates, in one place because the spec check (ScanModel), the scores job
/// (Scoring) and the partials (Saliency) all need them.
///
/// Replicates are carried by CCS's moments, IG's attribution sums and KSG's block results (B score vectors of
/// the block's width, far below the bound). A moments replicate is D·(2 + T) + 2T + 1
/// Doubles (plus one centre of D + T for all of them), so B = 100 at D = 1024, T = 3 is 4.1 MB; a pass holds at
/// most 2 × threads + 1 of them at once (units in flight and the running total). IG's replicate, 1 + T·D
/// Doubles, is always smaller, so this bound covers it. Not carried:
/// - PCA: a covariance replicate is D × D Doubles (8 MiB at D = 1024; B = 100 would be 800 MiB per partial).
/// - mis-hist: a histogram replicate is D × T × bins² counts (25 MB at D = 1024, T = 3, 32 bins).
public enum BootstrapLimits {
    /// Most replicates accepted: beyond 1000 the percentiles of a 95 % interval move by less than their own
    /// Monte Carlo error, while the cost grows linearly (Efron & Tibshirani 1993, ch. 13 and 19).
    public static let maximumReplicates = 1000
    /// Largest replicate partial accepted, in bytes: half of the cluster's default 64 MiB message limit
    /// (`ClusterDefaults.maximumMessageBytes`), leaving the other half to the task's other partials (the
    /// covariance at D = 1024 is 8 MiB). This is also the memory bound: a process holds at most
    /// 2 × threads + 1 partials at once, 160 MiB with 2 threads.
    public static let maximumPartialBytes = 32 << 20

    /// Bytes of a serialised `BootstrapMomentsPartial` of `replicates` over `dimensions` and `targets`.
    /// The header (16), seed, B, first dimension, D, T and the centred flag (48), the centre, totals and sums
    /// arrays, each a count (8) then its Doubles.
    public static func momentsBytes(replicates: Int, dimensions: Int, targets: Int) -> Int {
        fixedBytes(dimensions: dimensions, targets: targets) + replicates * replicateBytes(dimensions, targets)
    }

    static func fixedBytes(dimensions: Int, targets: Int) -> Int { 16 + 48 + 24 + 8 * (dimensions + targets) }

    static func replicateBytes(_ dimensions: Int, _ targets: Int) -> Int {
        8 * (1 + dimensions * (2 + targets) + 2 * targets)
    }

    /// Why `replicates` replicates over `dimensions` and `targets` are refused, if they are: with the numbers.
    public static func problem(replicates: Int, dimensions: Int, targets: Int) -> String? {
        guard replicates >= 2, replicates <= maximumReplicates else {
            return "replicates must be an integer in 2...\(maximumReplicates), got \(replicates)"
        }
        let bytes = momentsBytes(replicates: replicates, dimensions: dimensions, targets: targets)
        guard bytes <= maximumPartialBytes else {
            let most =
                (maximumPartialBytes - fixedBytes(dimensions: dimensions, targets: targets))
                / replicateBytes(dimensions, targets)
            return
                "\(replicates) replicates of the moments at D = \(dimensions), T = \(targets) are \(bytes) bytes per "
                + "partial, over the bound of \(maximumPartialBytes) (half the 64 MiB message limit); at most \(most)"
        }
        return nil
    }
}
