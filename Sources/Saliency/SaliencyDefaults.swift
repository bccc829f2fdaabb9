/// The numbers that matter in this module, each with where it comes from.
public enum SaliencyDefaults {
    /// Neighbours for the KSG estimator: scikit-learn's `mutual_info_regression` default (`n_neighbors=3`),
    /// which KSG's paper also recommends (k = 2..4).
    public static let ksgNeighbours = 3
    /// Relative size of the tie-breaking noise added to scaled columns before KSG: scikit-learn adds
    /// `1e-10 * max(1, mean|x|) * N(0, 1)` to every continuous column and to the target.
    public static let ksgNoiseScale = 1e-10
    /// Joint histogram bins per axis for `mis-hist` (methods.md: "default 32 x 32").
    public static let histogramBins = 32
    /// Bins on a binary target's axis (methods.md: "2 bins on y for binary targets").
    public static let binaryTargetBins = 2
    /// A column whose standard deviation is below this fraction of its absolute mean (or exactly 0) is
    /// constant. Double rounding of a constant's mean leaves a relative spread near 1e-16; Float32 inputs
    /// cannot differ by less than 2^-24 ≈ 6e-8 relative, so 1e-13 separates the two with room either side.
    public static let constantRelativeSpread = 1e-13
    /// Fewest observations a correlation or covariance is defined on.
    public static let minimumObservations = 2
    /// Seed of the Poisson-bootstrap weights when none is given (any fixed number; recorded with the results).
    public static let bootstrapSeed: UInt64 = 20
    /// Replicates B suggested by the issue that introduced them (#20): 100 gives a standard error to about 7 %
    /// and 2.5 % / 97.5 % percentiles from the 3rd and 98th order statistics (Efron & Tibshirani 1993, ch. 6, 13).
    public static let bootstrapReplicates = 100
    /// Confidence level of every interval (two-sided 95 %).
    public static let confidenceLevel = 0.95
}
