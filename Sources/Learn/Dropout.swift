/// Inverted dropout: in training, each element is kept with probability 1 − p and scaled by 1/(1 − p);
/// in evaluation it is the identity. The mask comes from the caller's seeded generator, so a run is
/// reproducible bit for bit.
import Numerics
public final class Dropout<S: BLASScalar> {
    /// The probability of dropping an element.
    public let probability: Double
    private var mask: [S] = []

    /// Creates dropout with drop probability `probability` (in [0, 1)).
    public init(probability: Double) { self.probability = probability }

    /// Applies dropout when `training` and `probability > 0`; otherwise returns `x`.
    public func forward(_ x: [S], training: Bool, generator: inout SeededGenerator) -> [S] {
        guard training, probability > 0 else {
            mask = []
            return x
        }
        let scale = S(1 / (1 - probability))
        let uniform = (0..<x.count).map { _ in generator.uniform() }
        mask = S.zeros(x.count)
        mask.withUnsafeMutableBufferPointer { mp in
            uniform.withUnsafeBufferPointer {
                S.kernels.dropoutMask(mp.baseAddress!, $0.baseAddress!, mp.count, probability, scale)
            }
        }
        var y = x
        y.withUnsafeMutableBufferPointer { yp in
            mask.withUnsafeBufferPointer { S.kernels.multiply(yp.baseAddress!, $0.baseAddress!, yp.count) }
        }
        return y
    }

    /// Multiplies `grad` by the last mask (identity when the last forward did not drop).
    public func backward(_ grad: [S]) -> [S] {
        guard !mask.isEmpty else { return grad }
        var g = grad
        g.withUnsafeMutableBufferPointer { gp in
            mask.withUnsafeBufferPointer { S.kernels.multiply(gp.baseAddress!, $0.baseAddress!, gp.count) }
        }
        return g
    }
}
