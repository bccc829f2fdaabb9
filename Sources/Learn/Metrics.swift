/// Evaluation metrics on one target over a set of utterances, in Double (../shared/docs/methods.md,
/// "Metrics"). Each returns NaN where it is undefined (empty input, a constant column, one class only).
public enum Metrics {
    /// Concordance correlation coefficient with population moments:
    /// 2 cov(ŷ, y) / (var ŷ + var y + (mean ŷ − mean y)²).
    public static func ccc(_ predictions: [Double], _ targets: [Double]) -> Double {
        guard let m = moments(predictions, targets) else { return .nan }
        let denominator = m.vx + m.vy + (m.mx - m.my) * (m.mx - m.my)
        return denominator > 0 ? 2 * m.cxy / denominator : .nan
    }

    /// Pearson correlation.
    public static func pearson(_ predictions: [Double], _ targets: [Double]) -> Double {
        guard let m = moments(predictions, targets), m.vx > 0, m.vy > 0 else { return .nan }
        return m.cxy / (m.vx * m.vy).squareRoot()
    }

    /// Mean squared error.
    public static func mse(_ predictions: [Double], _ targets: [Double]) -> Double {
        guard !predictions.isEmpty, predictions.count == targets.count else { return .nan }
        return zip(predictions, targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(predictions.count)
    }

    /// Area under the ROC curve of `scores` for binary `labels` (1 positive, else negative): the
    /// Mann–Whitney statistic with tied scores counted one half, which equals the trapezoidal area.
    public static func rocAUC(_ scores: [Double], _ labels: [Double]) -> Double {
        guard scores.count == labels.count else { return .nan }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSumPositive = 0.0
        var positives = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1  // ranks are 1-based; ties share the mean rank
            for k in i...j where labels[order[k]] == 1 {
                rankSumPositive += averageRank
                positives += 1
            }
            i = j + 1
        }
        let negatives = Double(scores.count) - positives
        guard positives > 0, negatives > 0 else { return .nan }
        return (rankSumPositive - positives * (positives + 1) / 2) / (positives * negatives)
    }

    private static func moments(_ x: [Double], _ y: [Double]) -> (
        mx: Double, my: Double, vx: Double, vy: Double, cxy: Double
    )? {
        guard !x.isEmpty, x.count == y.count else { return nil }
        let n = Double(x.count)
        let mx = x.reduce(0, +) / n
        let my = y.reduce(0, +) / n
        var vx = 0.0
        var vy = 0.0
        var cxy = 0.0
        for i in 0..<x.count {
            vx += (x[i] - mx) * (x[i] - mx)
            vy += (y[i] - my) * (y[i] - my)
            cxy += (x[i] - mx) * (y[i] - my)
        }
        return (mx, my, vx / n, vy / n, cxy / n)
    }
}
