import Foundation
import Numerics

/// A threshold on scores, as a rule over the score vector: keep every dimension whose score is at least it.
public enum ScoreThreshold: Equatable, Sendable, CustomStringConvertible {
    /// The mean of the scores.
    case mean
    /// The median (numpy's: the mean of the two middle values for an even count).
    case median
    /// The q-th percentile, 0 ≤ q ≤ 100, with numpy's default linear interpolation.
    case percentile(Double)
    /// c times the mean.
    case scaledMean(Double)

    /// Parses `mean`, `median`, `pNN` (e.g. `p75`, `p90.5`) or `c*mean` (e.g. `2*mean`, `0.5*mean`).
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "mean" {
            self = .mean
        } else if trimmed == "median" {
            self = .median
        } else if trimmed.hasPrefix("p"), let q = Double(trimmed.dropFirst()), q >= 0, q <= 100 {
            self = .percentile(q)
        } else if trimmed.hasSuffix("*mean"), let c = Double(trimmed.dropLast(5)), c.isFinite {
            self = .scaledMean(c)
        } else {
            throw SaliencyError.invalidParameter(
                "threshold '\(text)' is not one of mean, median, pNN (0 <= NN <= 100), c*mean")
        }
    }

    public var description: String {
        switch self {
        case .mean: return "mean"
        case .median: return "median"
        case .percentile(let q): return "p\(q)"
        case .scaledMean(let c): return "\(c)*mean"
        }
    }

    /// The threshold's value on `scores` (non-empty).
    public func value(on scores: [Double]) -> Double {
        let sorted = scores.sorted()
        let mean = scores.reduce(0, +) / Double(scores.count)
        switch self {
        case .mean: return mean
        case .scaledMean(let c): return c * mean
        case .median:
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        case .percentile(let q):
            // numpy.percentile, method="linear": position q/100·(n − 1), lerp written as numpy writes it.
            let position = q / 100 * Double(sorted.count - 1)
            let lower = min(sorted.count - 1, Int(position.rounded(.down)))
            let upper = min(sorted.count - 1, lower + 1)
            let t = position - Double(lower)
            let a = sorted[lower]
            let b = sorted[upper]
            return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t
        }
    }
}

/// How to pick dimensions from a score vector. Scoring is separate from selecting (as in scikit-learn).
public enum SelectionRule: Equatable, Sendable {
    /// The k = max(1, ⌊ratio · D⌋) highest scores, 0 < ratio ≤ 1.
    case topRatio(Double)
    /// The k highest scores.
    case top(Int)
    /// Every score at least the threshold.
    case threshold(ScoreThreshold)
    /// k dimensions drawn uniformly without replacement (a baseline of the same size as another selection).
    case random(count: Int, seed: UInt64)
}

/// Selection rules over per-dimension scores: deterministic, ties broken towards the lower index, indices
/// returned ascending. (The PCA-k baseline of the same size is `PrincipalComponents.projection(components:)`
/// with k = the selection's size: a change of basis, not a set of indices.)
public enum Selection {
    /// Indices ordered by descending score, ties to the lower index.
    public static func ranking(_ scores: [Double]) -> [Int] {
        scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    }

    /// k for a top ratio: max(1, ⌊ratio · D⌋).
    public static func count(ratio: Double, dimensions: Int) -> Int {
        max(1, Int((ratio * Double(dimensions)).rounded(.down)))
    }

    /// The selected indices (positions in `scores`), ascending. Throws on NaN scores or parameters out of range.
    public static func select(_ scores: [Double], rule: SelectionRule) throws -> [Int] {
        guard !scores.isEmpty else { throw SaliencyError.invalidParameter("no scores to select from") }
        if let bad = scores.firstIndex(where: { $0.isNaN }) {
            throw SaliencyError.invalidParameter("score at index \(bad) is NaN")
        }
        switch rule {
        case .topRatio(let ratio):
            guard ratio > 0, ratio <= 1 else {
                throw SaliencyError.invalidParameter("ratio must be in (0, 1], got \(ratio)")
            }
            return Array(ranking(scores).prefix(count(ratio: ratio, dimensions: scores.count))).sorted()
        case .top(let k):
            guard k >= 1, k <= scores.count else {
                throw SaliencyError.invalidParameter("top k must be in 1...\(scores.count), got \(k)")
            }
            return Array(ranking(scores).prefix(k)).sorted()
        case .threshold(let threshold):
            let value = threshold.value(on: scores)
            return scores.indices.filter { scores[$0] >= value }
        case .random(let k, let seed):
            guard k >= 1, k <= scores.count else {
                throw SaliencyError.invalidParameter("random k must be in 1...\(scores.count), got \(k)")
            }
            // Partial Fisher–Yates shuffle driven by SplitMix64.
            var generator = SplitMix64(seed: seed)
            var pool = Array(scores.indices)
            for index in 0..<k {
                let pick = index + generator.nextInt(below: pool.count - index)
                pool.swapAt(index, pick)
            }
            return Array(pool.prefix(k)).sorted()
        }
    }

    /// The rule stability selection (`stable:π`) is made from: its selection probabilities are those of
    /// `score ≥ mean of scores` over the bootstrap replicates (the threshold of Grósz et al.'s IG subspaces,
    /// methods.md), so π keeps the dimensions that rule picks in at least a fraction π of resamples.
    public static let stableBaseRule = SelectionRule.threshold(.mean)

    /// Stability selection: the dimensions whose selection probability is at least `fraction`, ascending.
    public static func stable(probabilities: [Double], fraction: Double) -> [Int] {
        // A hair of tolerance: a probability is a count over B, and π·B may round either way in Double.
        probabilities.indices.filter { probabilities[$0] >= fraction - 1e-12 }
    }
}
