import Dispatch
import Foundation

/// Adam with PyTorch's update order (`torch.optim.Adam`, no weight decay, no amsgrad):
/// m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − (lr / (1−β₁ᵗ)) · m / (√v / √(1−β₂ᵗ) + ε),
/// with PyTorch's float32 rounding order (`lerp` for m, `addcmul` for v, `addcdiv` for p).
public final class Adam {
    /// PyTorch's defaults.
    public static let defaultBetas = (0.9, 0.999)
    /// PyTorch's default ε.
    public static let defaultEpsilon = 1e-8

    /// The learning rate (changed by the plateau schedule).
    public var learningRate: Double
    /// β₁, β₂.
    public let betas: (Double, Double)
    /// ε.
    public let epsilon: Double
    /// Steps taken.
    public private(set) var step = 0
    /// Threads sharing each large parameter's update (element-wise, so the result does not depend on it).
    public let threads: Int
    private let parameters: [Parameter<Float>]
    private var firstMoments: [[Float]]
    private var secondMoments: [[Float]]

    /// Creates the optimiser over `parameters`.
    public init(
        parameters: [Parameter<Float>], learningRate: Double = 1e-3, betas: (Double, Double) = Adam.defaultBetas,
        epsilon: Double = Adam.defaultEpsilon, threads: Int = 1
    ) {
        self.threads = max(threads, 1)
        self.parameters = parameters
        self.learningRate = learningRate
        self.betas = betas
        self.epsilon = epsilon
        firstMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
        secondMoments = parameters.map { [Float](repeating: 0, count: $0.count) }
    }

    /// Applies one update from the parameters' accumulated gradients.
    public func update() {
        step += 1
        let oneMinusBeta1 = Float(1 - betas.0)
        let beta2 = Float(betas.1)
        let oneMinusBeta2 = Float(1 - betas.1)
        let correction1 = 1 - pow(betas.0, Double(step))
        let correction2Root = Float((1 - pow(betas.1, Double(step))).squareRoot())
        let negativeStepSize = Float(-learningRate / correction1)
        let eps = Float(epsilon)
        for (k, p) in parameters.enumerated() {
            let count = p.count
            p.value.withUnsafeMutableBufferPointer { value in
                p.gradient.withUnsafeBufferPointer { grad in
                    firstMoments[k].withUnsafeMutableBufferPointer { m in
                        secondMoments[k].withUnsafeMutableBufferPointer { v in
                            let pieces = count >= 1 << 16 ? threads : 1
                            DispatchQueue.concurrentPerform(iterations: pieces) { piece in
                                for i in (count * piece / pieces)..<(count * (piece + 1) / pieces) {
                                    let g = grad[i]
                                    m[i] = m[i] + oneMinusBeta1 * (g - m[i])
                                    v[i] = v[i] * beta2 + oneMinusBeta2 * g * g
                                    let denominator = v[i].squareRoot() / correction2Root + eps
                                    value[i] = value[i] + negativeStepSize * (m[i] / denominator)
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
