import Foundation

/// The `distribution` label-variance mode: the decoder predicts, per target, a histogram over K rating bins
/// (a softmax of K logits), trained with the cross-entropy −Σ_k q_k ln p_k against the raters' empirical
/// distribution q (docs/label-variance.md). Cross-entropy and KL(q‖p) differ by q's entropy, a constant, so
/// they have the same gradient p − q. The reported mean is Σ p_k c_k and the spread √(Σ p_k (c_k − mean)²),
/// c_k the bin centres.
public enum RatingDistribution {
    /// K centres spaced evenly from the smallest to the largest rating of the train split (NaN skipped); a
    /// set with only `label_std` uses min(y − 2s) … max(y + 2s). A constant range is widened to one unit.
    public static func binCentres(_ train: UtteranceSet, bins: Int) -> [Double] {
        var lo = Double.infinity
        var hi = -Double.infinity
        if let ratings = train.ratings {
            for v in ratings where !v.isNaN {
                lo = min(lo, Double(v))
                hi = max(hi, Double(v))
            }
        }
        if !(lo <= hi) {
            for i in 0..<train.labels.count {
                let y = Double(train.labels[i])
                let s = Double(train.spreads?[i] ?? 0)
                lo = min(lo, y - 2 * s)
                hi = max(hi, y + 2 * s)
            }
        }
        if !(lo < hi) { (lo, hi) = (lo.isFinite ? lo : 0, (lo.isFinite ? lo : 0) + 1) }
        let k = max(bins, 2)
        return (0..<k).map { lo + Double($0) * (hi - lo) / Double(k - 1) }
    }

    /// The bin of `value`: the nearest centre (edges halfway between centres; values outside go to the end bins).
    public static func bin(of value: Double, _ centres: [Double]) -> Int {
        let step = (centres[centres.count - 1] - centres[0]) / Double(centres.count - 1)
        let index = ((value - centres[0]) / step).rounded()
        return Int(min(max(index, 0), Double(centres.count - 1)))
    }

    /// Target histograms `[count, T·K]` (target-major) of every utterance of `set`: the fraction of its
    /// available ratings in each bin; with no rating (all NaN) or no ratings at all, the discretised Gaussian
    /// N(y, s²) of the consensus y and spread s (all mass in y's bin when s = 0).
    public static func histograms(_ set: UtteranceSet, centres: [Double]) -> [Double] {
        let t = set.targetCount
        let k = centres.count
        var out = [Double](repeating: 0, count: set.count * t * k)
        for u in 0..<set.count {
            for target in 0..<t {
                let base = (u * t + target) * k
                var n = 0.0
                if let ratings = set.ratings {
                    for j in 0..<set.raterCount {
                        let v = ratings[(u * set.raterCount + j) * t + target]
                        guard !v.isNaN else { continue }
                        out[base + bin(of: Double(v), centres)] += 1
                        n += 1
                    }
                }
                if n > 0 {
                    for b in 0..<k { out[base + b] /= n }
                    continue
                }
                let y = Double(set.labels[u * t + target])
                let s = Double(set.spreads?[u * t + target] ?? 0)
                guard s > 0 else {
                    out[base + bin(of: y, centres)] = 1
                    continue
                }
                // Mass between the edges halfway between centres; the end bins take the tails.
                func cdf(_ x: Double) -> Double { 0.5 * erfc(-(x - y) / (s * 2.0.squareRoot())) }
                for b in 0..<k {
                    let lower = b == 0 ? 0 : cdf((centres[b - 1] + centres[b]) / 2)
                    let upper = b == k - 1 ? 1 : cdf((centres[b] + centres[b + 1]) / 2)
                    out[base + b] = upper - lower
                }
            }
        }
        return out
    }

    /// exp(z − max z) normalised.
    public static func softmax(_ logits: [Double]) -> [Double] {
        let top = logits.max() ?? 0
        let e = logits.map { exp($0 - top) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }

    /// The mean and standard deviation of the histogram `p` on `centres`.
    public static func moments(_ p: [Double], _ centres: [Double]) -> (mean: Double, sd: Double) {
        let mean = zip(p, centres).reduce(0) { $0 + $1.0 * $1.1 }
        let variance = zip(p, centres).reduce(0) { $0 + $1.0 * ($1.1 - mean) * ($1.1 - mean) }
        return (mean, max(variance, 0).squareRoot())
    }

    /// The mean cross-entropy over rows and targets of logits `[rows, T·K]` against histograms `q` (same shape),
    /// and its gradient (p − q) / (rows · T). ln p is computed as z − max z − ln Σ exp(z − max z), finite for any
    /// finite logits, so a histogram with empty bins never gives a NaN.
    public static func evaluate<S: BLASScalar>(predictions: [S], histograms q: [Double], targets: Int, bins k: Int)
        -> (value: Double, gradient: [S])
    {
        let rows = predictions.count / max(targets * k, 1)
        guard rows > 0 else { return (0, []) }
        let scale = 1 / Double(rows * targets)
        var total = 0.0
        var gradient = [S](repeating: 0, count: predictions.count)
        for r in 0..<rows {
            for t in 0..<targets {
                let base = (r * targets + t) * k
                let z = (0..<k).map { Double(predictions[base + $0]) }
                let top = z.max() ?? 0
                let logSum = log(z.reduce(0) { $0 + exp($1 - top) })
                for b in 0..<k {
                    let logP = z[b] - top - logSum
                    total -= q[base + b] * logP
                    gradient[base + b] = S(scale * (exp(logP) - q[base + b]))
                }
            }
        }
        return (total * scale, gradient)
    }
}
