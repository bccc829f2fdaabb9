import Foundation

/// The digamma function ψ(x) = d/dx ln Γ(x) for x > 0: upward recurrence ψ(x) = ψ(x + 1) − 1/x until
/// x ≥ 12, then the asymptotic series to the x⁻¹⁰ term (next term < 3e-15 there).
public func digamma(_ value: Double) -> Double {
    var x = value
    var result = 0.0
    while x < 12 {
        result -= 1 / x
        x += 1
    }
    let f = 1 / (x * x)
    let series = f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132)))))
    return result + log(x) - 0.5 / x - series
}
