/// A method's per-dimension scores on the data and on B bootstrap replicates of it, and what they say about
/// the scores' uncertainty: standard errors, percentile intervals and selection probabilities.
public struct ScoreReplicates: Equatable, Sendable {
    /// The method's name (`ccs`, ...).
    public let method: String
    /// The scores on the data (mean over targets), one per dimension.
    public let point: [Double]
    /// `replicates[b][d]`: the same scores on replicate b.
    public let replicates: [[Double]]

    /// Wraps scores and their replicates (every replicate as long as `point`, at least two of them).
    public init(method: String, point: [Double], replicates: [[Double]]) throws {
        guard replicates.count >= 2 else {
            throw SaliencyError.invalidParameter("a bootstrap needs at least 2 replicates, got \(replicates.count)")
        }
        if let bad = replicates.firstIndex(where: { $0.count != point.count }) {
            throw SaliencyError.shapeMismatch(
                what: "replicate \(bad) of \(method)", expected: "\(point.count) scores",
                found: "\(replicates[bad].count)")
        }
        self.method = method
        self.point = point
        self.replicates = replicates
    }

    /// CCS on every replicate of `bootstrap`, beside `point` (CCS on the data).
    public static func ccs(point: DimensionScores, bootstrap: BootstrapMomentsPartial) throws -> ScoreReplicates {
        let replicates = try bootstrap.replicates.map { try CrossCorrelationSaliency.scores($0).mean }
        return try ScoreReplicates(method: point.method, point: point.mean, replicates: replicates)
    }

    /// Replicates from subsample estimates (KSG's, see `KSGMutualInformation.subsampleScores`), centred on
    /// the point: r′_b = point + (r_b − r̄). Centring removes the subsample's own bias (KSG's depends on the
    /// number of rows); the spread is kept as it is. For a smooth statistic a subsample of fraction f spreads
    /// √((1 − f)/f) ≈ 0.76 times its sampling error and would be scaled up by 1.31, but KSG's own noise at the
    /// smaller size widens the subsamples about as much: measured on bivariate normals (`KSGReplicatesTests`,
    /// N = 200–1000, ρ = 0.3–0.8) the unscaled spread is 0.83–1.05 of KSG's true sampling error and the scaled
    /// one 1.09–1.38, so no scaling is applied. Centred replicates can fall below 0 where the point is near 0.
    public static func subsampled(method: String, point: [Double], subsamples: [[Double]]) throws -> ScoreReplicates {
        guard subsamples.allSatisfy({ $0.count == point.count }) else {
            throw SaliencyError.shapeMismatch(
                what: "subsample replicates of \(method)", expected: "\(point.count) scores each",
                found: "\(subsamples.map(\.count))")
        }
        let count = Double(max(1, subsamples.count))
        let means = point.indices.map { d in subsamples.reduce(0) { $0 + $1[d] } / count }
        let replicates = subsamples.map { row in point.indices.map { point[$0] + row[$0] - means[$0] } }
        return try ScoreReplicates(method: method, point: point, replicates: replicates)
    }

    /// The bootstrap standard error of every dimension's score: the replicates' standard deviation with
    /// B − 1 in the denominator (Efron & Tibshirani 1993, eq. 6.6).
    public var standardErrors: [Double] {
        let count = Double(replicates.count)
        return point.indices.map { d in
            let mean = replicates.reduce(0) { $0 + $1[d] } / count
            return (replicates.reduce(0) { $0 + ($1[d] - mean) * ($1[d] - mean) } / (count - 1)).squareRoot()
        }
    }

    /// The percentile interval of every dimension's score at `level` (numpy's linear percentiles of the
    /// replicates at (1 − level)/2 and (1 + level)/2).
    public func intervals(level: Double = SaliencyDefaults.confidenceLevel) -> (low: [Double], high: [Double]) {
        let lowQ = ScoreThreshold.percentile(50 * (1 - level))
        let highQ = ScoreThreshold.percentile(50 * (1 + level))
        var low = [Double]()
        var high = [Double]()
        for d in point.indices {
            let values = replicates.map { $0[d] }
            low.append(lowQ.value(on: values))
            high.append(highQ.value(on: values))
        }
        return (low, high)
    }

    /// Which dimensions `rule` selects on every replicate: `out[b][d]`.
    public func selections(_ rule: SelectionRule) throws -> [[Bool]] {
        try replicates.map { scores in
            var row = [Bool](repeating: false, count: scores.count)
            for index in try Selection.select(scores, rule: rule) { row[index] = true }
            return row
        }
    }

    /// The fraction of replicates in which `rule` selects each dimension.
    public func selectionProbabilities(_ rule: SelectionRule) throws -> [Double] {
        Self.frequencies(try selections(rule))
    }

    /// Column means of a replicates × dimensions indicator matrix.
    public static func frequencies(_ selections: [[Bool]]) -> [Double] {
        guard let width = selections.first?.count else { return [] }
        var counts = [Double](repeating: 0, count: width)
        for row in selections { for d in 0..<width where row[d] { counts[d] += 1 } }
        return counts.map { $0 / Double(selections.count) }
    }
}
