import Foundation

/// The `nll` label-variance loss: the Gaussian negative log-likelihood of every individual rating given the
/// predicted mean μ and variance σ² = floor + softplus(z) of its utterance (docs/label-variance.md).
///
/// Per utterance and target, with ȳ and s the mean and population std of the utterance's n available ratings,
/// (1/n) Σ_j (r_j − μ)² = (ȳ − μ)² + s², so the mean NLL over the ratings is
///     ℓ = ½ ln(2π σ²) + ((ȳ − μ)² + s²) / (2σ²)
/// exactly, and only (ȳ, s) are needed: the consensus label and the rater spread every set already carries (a
/// dataset with only `label_std` gives the expected NLL of raters with that mean and spread). An utterance with
/// fewer than two ratings has s = 0; its loss stays finite because σ² ≥ floor > 0. The batch loss is the mean of
/// ℓ over rows and targets.
public enum GaussianNLL {
    /// ln(1 + eᶻ) without overflow.
    public static func softplus(_ z: Double) -> Double { max(z, 0) + log1p(exp(-abs(z))) }

    /// 1 / (1 + e⁻ᶻ), softplus's derivative.
    public static func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

    /// The loss and ∂loss/∂raw of raw outputs `[rows, 2T]` (T means, then T spread logits) against consensus
    /// `labels` and rater `spreads` (both `[rows, T]`), with σ²'s `floor` per target.
    public static func evaluate<S: BLASScalar>(
        predictions: [S], labels: [S], spreads: [S], targets: Int, floor: [Double]
    ) -> (value: Double, gradient: [S]) {
        let width = 2 * targets
        let rows = predictions.count / max(width, 1)
        guard rows > 0 else { return (0, []) }
        let scale = 1 / Double(rows * targets)
        var total = 0.0
        var gradient = [S](repeating: 0, count: predictions.count)
        for r in 0..<rows {
            for t in 0..<targets {
                let mu = Double(predictions[r * width + t])
                let z = Double(predictions[r * width + targets + t])
                let y = Double(labels[r * targets + t])
                let s = Double(spreads[r * targets + t])
                let variance = floor[t] + softplus(z)
                let squared = (y - mu) * (y - mu) + s * s
                total += 0.5 * log(2 * Double.pi * variance) + squared / (2 * variance)
                gradient[r * width + t] = S(scale * (mu - y) / variance)
                let dVariance = 0.5 / variance - squared / (2 * variance * variance)
                gradient[r * width + targets + t] = S(scale * dVariance * sigmoid(z))
            }
        }
        return (total * scale, gradient)
    }
}
