import Foundation

/// A quadrature rule for the path integral of Integrated Gradients over α ∈ [0, 1].
///
/// The conventions are Captum's (`captum/attr/_utils/approximation_methods.py`), so attributions agree with
/// `IntegratedGradients(...).attribute(method=...)` step for step.
public enum IntegrationMethod: String, CaseIterable, Sendable, Codable {
    /// Right Riemann sum: α_k = k/m for k = 1...m, every weight 1/m (Captum `riemann_right`). Needs m ≥ 2,
    /// as in Captum.
    case riemannRight = "riemann-right"
    /// Gauss–Legendre: numpy's `leggauss(m)` nodes mapped from [−1, 1] to [0, 1] (α = (1 + x)/2) and weights
    /// halved (Captum `gausslegendre`). Exact for polynomials of degree < 2m along the path.
    case gaussLegendre = "gauss-legendre"

    /// The interpolation coefficients α_k and weights w_k for `steps` points, in Captum's order
    /// (ascending α).
    /// - Throws: `AttributionError.invalidSteps` when `steps` is too small for the rule.
    public func nodes(steps: Int) throws -> (alphas: [Double], weights: [Double]) {
        switch self {
        case .riemannRight:
            guard steps >= 2 else { throw AttributionError.invalidSteps(steps, method: self) }
            let m = Double(steps)
            return ((1...steps).map { Double($0) / m }, Array(repeating: 1 / m, count: steps))
        case .gaussLegendre:
            guard steps >= 1 else { throw AttributionError.invalidSteps(steps, method: self) }
            let (x, w) = Self.legendreGauss(steps)
            return (x.map { 0.5 * (1 + $0) }, w.map { 0.5 * $0 })
        }
    }

    /// Gauss–Legendre nodes (ascending) and weights on [−1, 1], by Newton's method on P_n from the
    /// Tricomi initial guesses; converges to machine precision, as numpy's companion-matrix `leggauss`.
    static func legendreGauss(_ n: Int) -> (nodes: [Double], weights: [Double]) {
        var nodes = [Double](repeating: 0, count: n)
        var weights = [Double](repeating: 0, count: n)
        for i in 0..<n {
            // Initial guess for the (i+1)-th largest root.
            var x = cos(Double.pi * (Double(i) + 0.75) / (Double(n) + 0.5))
            var derivative = 0.0
            for _ in 0..<100 {
                let (p, dp) = legendre(n, at: x)
                let step = p / dp
                x -= step
                derivative = dp
                if abs(step) < 1e-16 { break }
            }
            derivative = legendre(n, at: x).derivative
            nodes[n - 1 - i] = x
            weights[n - 1 - i] = 2 / ((1 - x * x) * derivative * derivative)
        }
        return (nodes, weights)
    }

    /// P_n(x) and P_n'(x) by the three-term recurrence.
    private static func legendre(_ n: Int, at x: Double) -> (value: Double, derivative: Double) {
        var previous = 1.0
        var current = x
        if n == 0 { return (1, 0) }
        for k in 1..<n {
            let next = ((2 * Double(k) + 1) * x * current - Double(k) * previous) / Double(k + 1)
            previous = current
            current = next
        }
        let derivative = Double(n) * (x * current - previous) / (x * x - 1)
        return (current, derivative)
    }
}
