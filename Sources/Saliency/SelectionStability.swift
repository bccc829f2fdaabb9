/// The stability of a feature-selection procedure from M selections of it (Nogueira, Sechidis & Brown,
/// "On the Stability of Feature Selection Algorithms", JMLR 18(174), 2018): Φ̂ = 1 − mean_f s²_f /
/// ((k̄/d)(1 − k̄/d)) with s²_f = M/(M−1) p̂_f(1 − p̂_f), its asymptotic variance (their Theorem 7) and the
/// (1 − α) normal confidence interval (their Corollary 9). Φ̂ is 1 when every selection is the same set and
/// about 0 for selections independent of the data (random sets of the same sizes).
public struct SelectionStability: Equatable, Sendable, Codable {
    /// Φ̂.
    public var estimate: Double
    /// The estimate's variance.
    public var variance: Double
    /// Lower and upper bounds of the confidence interval.
    public var lower: Double
    public var upper: Double

    /// The standard normal quantile at 0.975 (scipy.stats.norm.ppf(0.975)), for the 95 % interval.
    public static let z975 = 1.959963984540054

    /// Φ̂, its variance and 95 % interval from `selections[i][f]` (M ≥ 2 rows of d features), as the
    /// authors' reference code (`getVarianceofStability`, `confidenceIntervals`) computes them. Undefined
    /// (NaN) when every selection is empty or every selection is everything: k̄/d is 0 or 1.
    /// - Throws: `SaliencyError.invalidParameter` for fewer than 2 selections or rows of different lengths.
    public init(selections: [[Bool]]) throws {
        let m = selections.count
        guard m >= 2, let d = selections.first?.count, d >= 1 else {
            throw SaliencyError.invalidParameter("stability needs at least 2 selections of at least 1 feature")
        }
        guard selections.allSatisfy({ $0.count == d }) else {
            throw SaliencyError.invalidParameter("stability needs selections over the same features")
        }
        let sets = Double(m)
        let features = Double(d)
        let p = ScoreReplicates.frequencies(selections)
        let kbar = p.reduce(0, +)
        let k = selections.map { Double($0.count(where: { $0 })) }
        let denominator = (kbar / features) * (1 - kbar / features)
        let spread = p.reduce(0) { $0 + $1 * (1 - $1) } / features
        let stability = 1 - (sets / (sets - 1)) * spread / denominator
        var phi = [Double]()
        for (row, size) in zip(selections, k) {
            var overlap = 0.0
            for f in 0..<d where row[f] { overlap += p[f] }
            overlap /= features
            phi.append(
                (1 / denominator)
                    * (overlap - size * kbar / (features * features)
                        + (stability / 2)
                            * (2 * size * kbar / (features * features) - size / features - kbar / features + 1))
            )
        }
        let average = phi.reduce(0, +) / sets
        let variance = (4 / (sets * sets)) * phi.reduce(0) { $0 + ($1 - average) * ($1 - average) }
        estimate = stability
        self.variance = variance
        lower = stability - Self.z975 * variance.squareRoot()
        upper = stability + Self.z975 * variance.squareRoot()
    }
}
