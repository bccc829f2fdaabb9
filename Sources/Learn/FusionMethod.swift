import Foundation

/// How the members' predictions are combined (docs/fusion.md). Every weight is fitted on the clean dev split
/// only, so test labels never reach the fused system.
public enum FusionMethod: String, Codable, Sendable, CaseIterable {
    /// The plain mean of the members' predictions (probabilities for binary targets).
    case mean
    /// A weighted mean, member m's weight ∝ max(0, its dev metric) per target (dev CCC, or dev AUC for a binary
    /// target); equal weights when no member is above 0.
    case devWeighted = "dev-weighted"
    /// A linear combination b + Σ w_m p_m fitted on dev: least squares for regression (closed form), logistic
    /// regression on the members' probabilities for a binary target (Newton's method).
    case learned
}

/// The fitted combination of one target: the members' weights and a bias (0 for the means).
public struct FusionWeights: Codable, Equatable, Sendable {
    /// The target.
    public var target: String
    /// One weight per member, in member order.
    public var weights: [Double]
    /// The intercept (learned only).
    public var bias: Double
    /// Whether b + Σ w p goes through the sigmoid (learned, binary).
    public var logistic: Bool
    /// Each member's dev metric on this target (what dev-weighted uses; reported for every method).
    public var memberDevMetric: [Double]

    /// Creates weights.
    public init(target: String, weights: [Double], bias: Double, logistic: Bool, memberDevMetric: [Double]) {
        self.target = target
        self.weights = weights
        self.bias = bias
        self.logistic = logistic
        self.memberDevMetric = memberDevMetric
    }

    /// The fused prediction of one utterance from its members' predictions.
    public func combine(_ p: [Double]) -> Double {
        let z = zip(weights, p).reduce(bias) { $0 + $1.0 * $1.1 }
        return logistic ? 1 / (1 + exp(-z)) : z
    }
}
