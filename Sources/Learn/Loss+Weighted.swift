import Foundation

/// The `weighted` label-variance mode's loss: every moment of a column loss taken with per-row weights w
/// (normalised, p_i = w_i / Σw) instead of 1/n — the weighted CCC, Pearson, MSE or BCE (docs/label-variance.md).
/// With every weight equal it is the unweighted loss.
extension Loss {
    /// The loss of `predictions` against `targets` (both `[rows, columns]`) with `weights` `[rows, columns]`
    /// (each term uses its column's weights), and ∂loss/∂predictions.
    public func evaluate<S: BLASScalar>(predictions: [S], targets: [S], weights: [Double], columns: Int) -> (
        value: Double, gradient: [S]
    ) {
        let rows = columns > 0 ? predictions.count / columns : 0
        var gradient = [Double](repeating: 0, count: predictions.count)
        var total = 0.0
        for term in terms {
            let x = (0..<rows).map { Double(predictions[$0 * columns + term.column]) }
            let y = (0..<rows).map { Double(targets[$0 * columns + term.column]) }
            let w = (0..<rows).map { weights[$0 * columns + term.column] }
            let (value, grad) = Loss.weightedColumnLoss(term.kind, x, y, w)
            total += term.weight * value
            for r in 0..<rows { gradient[r * columns + term.column] += term.weight * grad[r] }
        }
        return (total, gradient.map { S($0) })
    }

    /// One column's weighted loss and gradient; `w` non-negative with a positive sum.
    static func weightedColumnLoss(_ kind: LossKind, _ x: [Double], _ y: [Double], _ w: [Double]) -> (
        Double, [Double]
    ) {
        let sum = w.reduce(0, +)
        guard !x.isEmpty, sum > 0 else { return (0, [Double](repeating: 0, count: x.count)) }
        let p = w.map { $0 / sum }
        switch kind {
        case .mse:
            var value = 0.0
            var grad = [Double](repeating: 0, count: x.count)
            for i in 0..<x.count {
                let d = x[i] - y[i]
                value += p[i] * d * d
                grad[i] = 2 * p[i] * d
            }
            return (value, grad)
        case .bce:
            var value = 0.0
            var grad = [Double](repeating: 0, count: x.count)
            for i in 0..<x.count {
                let z = x[i]
                value += p[i] * (max(z, 0) - z * y[i] + log1p(exp(-abs(z))))
                grad[i] = p[i] * (1 / (1 + exp(-z)) - y[i])
            }
            return (value, grad)
        case .ccc, .pearson:
            var mx = 0.0
            var my = 0.0
            for i in 0..<x.count {
                mx += p[i] * x[i]
                my += p[i] * y[i]
            }
            var vx = 0.0
            var vy = 0.0
            var cxy = 0.0
            for i in 0..<x.count {
                vx += p[i] * (x[i] - mx) * (x[i] - mx)
                vy += p[i] * (y[i] - my) * (y[i] - my)
                cxy += p[i] * (x[i] - mx) * (y[i] - my)
            }
            if kind == .ccc {
                let denominator = vx + vy + (mx - my) * (mx - my)
                if denominator <= varianceFloor { return (1, [Double](repeating: 0, count: x.count)) }
                let ccc = 2 * cxy / denominator
                // As the unweighted gradient with 1/n replaced by p_i (Σ p (y − ȳ) = 0 keeps the same form).
                let grad = (0..<x.count).map { i in
                    -p[i] * (2 * (y[i] - my) - ccc * (2 * (x[i] - mx) + 2 * (mx - my))) / denominator
                }
                return (1 - ccc, grad)
            }
            if vx * vy <= varianceFloor { return (1, [Double](repeating: 0, count: x.count)) }
            let r = cxy / (vx * vy).squareRoot()
            let grad = (0..<x.count).map { i in
                -(p[i] * (y[i] - my) / (vx * vy).squareRoot() - r * p[i] * (x[i] - mx) / vx)
            }
            return (1 - r, grad)
        }
    }
}
