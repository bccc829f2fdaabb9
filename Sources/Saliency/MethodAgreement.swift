import Foundation

/// How much two methods agree: the Jaccard index of their selections, beside what two random selections of
/// the same sizes would give, and Spearman's rank correlation of their score vectors.
public enum MethodAgreement {
    /// |A ∩ B| / |A ∪ B| of two index sets (1 when both are empty).
    public static func jaccard(_ a: [Int], _ b: [Int]) -> Double {
        let left = Set(a)
        let right = Set(b)
        let union = left.union(right).count
        return union == 0 ? 1 : Double(left.intersection(right).count) / Double(union)
    }

    /// The expected Jaccard index of two independent uniformly random subsets of sizes `a` and `b` of
    /// `dimensions` items: the intersection size i is hypergeometric, P(i) = C(a, i) C(D − a, b − i) / C(D, b),
    /// and J = i / (a + b − i), summed exactly over i (probabilities through log-gamma).
    public static func randomJaccard(_ a: Int, _ b: Int, dimensions: Int) -> Double {
        guard a > 0 || b > 0 else { return 1 }
        func logChoose(_ n: Int, _ k: Int) -> Double {
            lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
        }
        let total = logChoose(dimensions, b)
        var expected = 0.0
        for i in max(0, a + b - dimensions)...min(a, b) {
            let probability = exp(logChoose(a, i) + logChoose(dimensions - a, b - i) - total)
            expected += probability * Double(i) / Double(a + b - i)
        }
        return expected
    }

    /// Spearman's ρ: Pearson's r of the average ranks (ties share their mean rank, as scipy.stats.spearmanr).
    /// 0 when either vector is constant.
    public static func spearman(_ a: [Double], _ b: [Double]) -> Double {
        let ra = ranks(a)
        let rb = ranks(b)
        let n = Double(ra.count)
        let ma = ra.reduce(0, +) / n
        let mb = rb.reduce(0, +) / n
        var cross = 0.0
        var va = 0.0
        var vb = 0.0
        for index in ra.indices {
            cross += (ra[index] - ma) * (rb[index] - mb)
            va += (ra[index] - ma) * (ra[index] - ma)
            vb += (rb[index] - mb) * (rb[index] - mb)
        }
        return va > 0 && vb > 0 ? cross / (va * vb).squareRoot() : 0
    }

    /// Average ranks from 1.
    static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var out = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            for index in start...end { out[order[index]] = Double(start + end) / 2 + 1 }
            start = end + 1
        }
        return out
    }
}
