import Foundation

/// The fits of the learned fusion: ordinary least squares in closed form, and logistic regression by Newton's
/// method, both with an intercept. Members are few (M + 1 unknowns), so the normal equations are solved
/// directly in Double.
public enum FusionFit {
    /// β minimising Σ (y − X β)², X = [p_1 … p_M, 1] (`rows` `[n][M]`): the solution of XᵀX β = Xᵀy.
    /// Returns (weights, bias).
    public static func leastSquares(_ rows: [[Double]], _ y: [Double]) -> (weights: [Double], bias: Double) {
        let design = rows.map { $0 + [1] }
        let k = design.first?.count ?? 1
        var gram = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
        var moment = [Double](repeating: 0, count: k)
        for (x, target) in zip(design, y) {
            for i in 0..<k {
                moment[i] += x[i] * target
                for j in 0..<k { gram[i][j] += x[i] * x[j] }
            }
        }
        let beta = solve(gram, moment)
        return (Array(beta.dropLast()), beta.last ?? 0)
    }

    /// β maximising the Bernoulli likelihood of 0/1 `y` under sigmoid(X β), X = [p_1 … p_M, 1], by Newton's
    /// method (iteratively reweighted least squares) from β = 0 until the step is below 1e-12 or after 100 steps.
    /// A ridge of 1e-9 on the Hessian keeps separable data from a singular step; it moves β by far less than
    /// its sampling error.
    public static func logistic(_ rows: [[Double]], _ y: [Double]) -> (weights: [Double], bias: Double) {
        let design = rows.map { $0 + [1] }
        let k = design.first?.count ?? 1
        var beta = [Double](repeating: 0, count: k)
        for _ in 0..<100 {
            var hessian = [[Double]](repeating: [Double](repeating: 0, count: k), count: k)
            var gradient = [Double](repeating: 0, count: k)
            for (x, target) in zip(design, y) {
                let z = zip(x, beta).reduce(0) { $0 + $1.0 * $1.1 }
                let p = 1 / (1 + exp(-z))
                for i in 0..<k {
                    gradient[i] += x[i] * (target - p)
                    for j in 0..<k { hessian[i][j] += x[i] * x[j] * p * (1 - p) }
                }
            }
            for i in 0..<k { hessian[i][i] += 1e-9 }
            let step = solve(hessian, gradient)
            for i in 0..<k { beta[i] += step[i] }
            if step.map(abs).max() ?? 0 < 1e-12 { break }
        }
        return (Array(beta.dropLast()), beta.last ?? 0)
    }

    /// The solution of A x = b by Gaussian elimination with partial pivoting; a zero pivot (a member that is
    /// an exact copy of another, or constant) gets weight 0.
    static func solve(_ a: [[Double]], _ b: [Double]) -> [Double] {
        var a = a
        var b = b
        let n = b.count
        for column in 0..<n {
            let pivot = (column..<n).max { abs(a[$0][column]) < abs(a[$1][column]) } ?? column
            a.swapAt(column, pivot)
            b.swapAt(column, pivot)
            guard abs(a[column][column]) > 1e-300 else { continue }
            for row in (column + 1)..<n {
                let factor = a[row][column] / a[column][column]
                for j in column..<n { a[row][j] -= factor * a[column][j] }
                b[row] -= factor * b[column]
            }
        }
        var x = [Double](repeating: 0, count: n)
        for row in stride(from: n - 1, through: 0, by: -1) {
            guard abs(a[row][row]) > 1e-300 else { continue }
            var sum = b[row]
            for j in (row + 1)..<n { sum -= a[row][j] * x[j] }
            x[row] = sum / a[row][row]
        }
        return x
    }
}
