/// Something a score could not define and set to 0 instead of NaN.
public enum ScoreWarning: Equatable, Sendable, CustomStringConvertible {
    /// Target `target` took a single value, so every score against it is 0.
    case zeroVarianceTarget(target: Int)
    /// These dimensions (global indices) took a single value and score 0.
    case constantDimensions([Int])

    public var description: String {
        switch self {
        case .zeroVarianceTarget(let target):
            return "target \(target) has zero variance: its scores are defined as 0"
        case .constantDimensions(let dimensions):
            let shown = dimensions.prefix(10).map(String.init).joined(separator: ", ")
            return "\(dimensions.count) constant dimension(s) score 0 (\(shown)\(dimensions.count > 10 ? ", ..." : ""))"
        }
    }
}

/// One number per dimension and target for one scoring method, and their mean over targets (the score
/// selections use). Higher is more salient. Never NaN.
public struct DimensionScores: Equatable, Sendable {
    /// The method's name as used on the command line (`ccs`, `mis`, `mis-hist`).
    public let method: String
    /// Global dimension indices scored.
    public let dimensions: Range<Int>
    /// `perTarget[t][d]`: the score of local dimension d against target t.
    public let perTarget: [[Double]]
    /// Scores for dimensions that could not be scored meaningfully (set to 0 instead).
    public let warnings: [ScoreWarning]

    /// Mean over targets, per dimension.
    public var mean: [Double] {
        let targets = Double(perTarget.count)
        return (0..<dimensions.count).map { index in perTarget.reduce(0) { $0 + $1[index] } / targets }
    }

    /// Wraps per-target scores.
    public init(method: String, dimensions: Range<Int>, perTarget: [[Double]], warnings: [ScoreWarning] = []) {
        self.method = method
        self.dimensions = dimensions
        self.perTarget = perTarget
        self.warnings = warnings
    }

    /// Joins scores of consecutive dimension blocks (as computed by dimension-block tasks) in order.
    public static func concatenating(_ blocks: [DimensionScores]) throws -> DimensionScores {
        let sorted = blocks.sorted { $0.dimensions.lowerBound < $1.dimensions.lowerBound }
        guard let first = sorted.first else { throw SaliencyError.invalidParameter("no score blocks to join") }
        var perTarget = first.perTarget
        var warnings = first.warnings
        var upper = first.dimensions.upperBound
        for block in sorted.dropFirst() {
            guard block.method == first.method, block.perTarget.count == perTarget.count,
                block.dimensions.lowerBound == upper
            else {
                throw SaliencyError.shapeMismatch(
                    what: "score blocks", expected: "\(first.method) from dimension \(upper)",
                    found: "\(block.method) from dimension \(block.dimensions.lowerBound)")
            }
            for target in perTarget.indices { perTarget[target].append(contentsOf: block.perTarget[target]) }
            for warning in block.warnings where !warnings.contains(warning) { warnings.append(warning) }
            upper = block.dimensions.upperBound
        }
        return DimensionScores(
            method: first.method, dimensions: first.dimensions.lowerBound..<upper, perTarget: perTarget,
            warnings: mergedWarnings(warnings))
    }

    static func mergedWarnings(_ warnings: [ScoreWarning]) -> [ScoreWarning] {
        var constant = [Int]()
        var others = [ScoreWarning]()
        for warning in warnings {
            if case .constantDimensions(let dimensions) = warning {
                constant.append(contentsOf: dimensions)
            } else if !others.contains(warning) {
                others.append(warning)
            }
        }
        return others + (constant.isEmpty ? [] : [.constantDimensions(constant.sorted())])
    }
}

/// Whether a column with `count` observations, centred sum of squares `m2` and mean `mean` is constant
/// (see `SaliencyDefaults.constantRelativeSpread`).
func isConstant(m2: Double, mean: Double, count: Int) -> Bool {
    guard count > 0, m2 > 0 else { return true }
    let spread = (m2 / Double(count)).squareRoot()
    return spread <= SaliencyDefaults.constantRelativeSpread * abs(mean)
}
