import Foundation

/// A training objective on one output column, computed over a batch.
public enum LossKind: String, Codable, Sendable, CaseIterable {
    /// 1 − concordance correlation coefficient (population moments); the regression default.
    case ccc
    /// Mean squared error.
    case mse
    /// 1 − Pearson correlation.
    case pearson
    /// Binary cross-entropy on logits (numerically stable form); the binary default.
    case bce
}

/// One term of a loss: `weight × loss(prediction column, target column)`.
public struct LossTerm: Codable, Equatable, Sendable {
    /// The output column (and the matching target column).
    public var column: Int
    /// The objective.
    public var kind: LossKind
    /// The term's weight (1/T for a mean target, λ/T for a spread target).
    public var weight: Double

    /// Creates a term.
    public init(column: Int, kind: LossKind, weight: Double) {
        self.column = column
        self.kind = kind
        self.weight = weight
    }
}

/// A weighted sum of per-column losses over a batch, with its gradient.
public struct Loss: Codable, Equatable, Sendable {
    /// The terms.
    public var terms: [LossTerm]

    /// Creates a loss from its terms.
    public init(terms: [LossTerm]) { self.terms = terms }

    /// Below this variance product a correlation's denominator is treated as zero (constant batch column);
    /// from float32 resolution of standardised data.
    public static let varianceFloor = 1e-12

    /// The loss of `predictions` against `targets` (both `[rows, columns]`, row-major, same width) and
    /// ∂loss/∂predictions. Computed in Double for stability whatever `S` is.
    public func evaluate<S: BLASScalar>(predictions: [S], targets: [S], columns: Int) -> (
        value: Double, gradient: [S]
    ) {
        let rows = columns > 0 ? predictions.count / columns : 0
        var gradient = [Double](repeating: 0, count: predictions.count)
        var total = 0.0
        for term in terms {
            let x = (0..<rows).map { Double(predictions[$0 * columns + term.column]) }
            let y = (0..<rows).map { Double(targets[$0 * columns + term.column]) }
            let (value, grad) = Loss.columnLoss(term.kind, x, y)
            total += term.weight * value
            for r in 0..<rows { gradient[r * columns + term.column] += term.weight * grad[r] }
        }
        return (total, gradient.map { S($0) })
    }

    /// One column's loss and gradient.
    static func columnLoss(_ kind: LossKind, _ x: [Double], _ y: [Double]) -> (Double, [Double]) {
        let n = Double(x.count)
        guard n > 0 else { return (0, []) }
        switch kind {
        case .mse:
            let value = zip(x, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / n
            return (value, zip(x, y).map { 2 * ($0 - $1) / n })
        case .bce:
            var value = 0.0
            var grad = [Double](repeating: 0, count: x.count)
            for i in 0..<x.count {
                let z = x[i]
                value += max(z, 0) - z * y[i] + log1p(exp(-abs(z)))
                grad[i] = (1 / (1 + exp(-z)) - y[i]) / n
            }
            return (value / n, grad)
        case .ccc, .pearson:
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
            vx /= n
            vy /= n
            cxy /= n
            if kind == .ccc {
                let denominator = vx + vy + (mx - my) * (mx - my)
                // A constant batch column has no defined CCC: no gradient. NaN (bad data) passes through.
                if denominator <= varianceFloor { return (1, [Double](repeating: 0, count: x.count)) }
                let ccc = 2 * cxy / denominator
                // d ccc / d x_i = [2 (y_i − ȳ) − ccc (2 (x_i − x̄) + 2 (x̄ − ȳ))] / (n · denominator)
                let grad = (0..<x.count).map { i in
                    -(2 * (y[i] - my) - ccc * (2 * (x[i] - mx) + 2 * (mx - my))) / (n * denominator)
                }
                return (1 - ccc, grad)
            }
            if vx * vy <= varianceFloor { return (1, [Double](repeating: 0, count: x.count)) }
            let r = cxy / (vx * vy).squareRoot()
            // d r / d x_i = (y_i − ȳ) / (n √(vx vy)) − r (x_i − x̄) / (n vx)
            let grad = (0..<x.count).map { i in
                -((y[i] - my) / (n * (vx * vy).squareRoot()) - r * (x[i] - mx) / (n * vx))
            }
            return (1 - r, grad)
        }
    }
}
