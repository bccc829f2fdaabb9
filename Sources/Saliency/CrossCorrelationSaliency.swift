/// CCS: Pearson's r between every dimension and every target from merged moments; the score is |r|,
/// averaged over targets. Constant dimensions and zero-variance targets score 0 (with a warning).
public enum CrossCorrelationSaliency {
    /// The method's name in score tables.
    public static let method = "ccs"

    /// Signed Pearson r, `r[t][d]`, with undefined correlations set to 0.
    public static func correlations(_ moments: MomentsPartial) throws -> (r: [[Double]], warnings: [ScoreWarning]) {
        guard moments.count >= SaliencyDefaults.minimumObservations else {
            throw SaliencyError.tooFewObservations(
                required: SaliencyDefaults.minimumObservations, found: moments.count, statistic: "CCS (Pearson r)")
        }
        let width = moments.dimensions.count
        let targets = moments.targetCount
        var warnings = [ScoreWarning]()
        let constantTargets = (0..<targets).map {
            isConstant(m2: moments.m2Y[$0], mean: moments.meanY[$0], count: moments.count)
        }
        for target in 0..<targets where constantTargets[target] {
            warnings.append(.zeroVarianceTarget(target: target))
        }
        var constantDimensions = [Int]()
        var r = [[Double]](repeating: [Double](repeating: 0, count: width), count: targets)
        for column in 0..<width {
            if isConstant(m2: moments.m2X[column], mean: moments.meanX[column], count: moments.count) {
                constantDimensions.append(moments.dimensions.lowerBound + column)
                continue
            }
            for target in 0..<targets where !constantTargets[target] {
                let value =
                    moments.cross[column * targets + target] / (moments.m2X[column] * moments.m2Y[target]).squareRoot()
                // Rounding can push |r| a hair past 1 for perfectly correlated columns.
                r[target][column] = min(1, max(-1, value))
            }
        }
        if !constantDimensions.isEmpty { warnings.append(.constantDimensions(constantDimensions)) }
        return (r, warnings)
    }

    /// CCS scores: |r| per target, and their mean over targets.
    public static func scores(_ moments: MomentsPartial) throws -> DimensionScores {
        let (r, warnings) = try correlations(moments)
        return DimensionScores(
            method: method, dimensions: moments.dimensions, perTarget: r.map { $0.map(abs) }, warnings: warnings)
    }
}
