/// A trainable tensor: its values, the gradient accumulated by backward passes, and the name it is
/// saved under (PyTorch's names where a PyTorch module has one, e.g. `gru.weight_ih_l0`).
import Numerics
public final class Parameter<S: BLASScalar> {
    /// The name in checkpoints, unique within a model.
    public let name: String
    /// The shape, row-major (`[out, in]` for a linear weight, `[out, in, kernel]` for a convolution).
    public let shape: [Int]
    /// The values, `shape.reduce(1, *)` of them.
    public var value: [S]
    /// ∂loss/∂value, accumulated by backward passes until `zeroGradient()`.
    public var gradient: [S]

    /// Creates a parameter filled with `value`.
    public init(name: String, shape: [Int], value: [S]) {
        self.name = name
        self.shape = shape
        self.value = value
        self.gradient = S.zeros(value.count)
    }

    /// Creates a parameter drawn uniformly from `[-bound, bound]`, as PyTorch's default initialisers.
    public convenience init(
        name: String, shape: [Int], uniformBound bound: Double, using generator: inout SeededGenerator
    ) {
        let count = shape.reduce(1, *)
        var values = [S]()
        values.reserveCapacity(count)
        for _ in 0..<count { values.append(S(Double.random(in: -bound...bound, using: &generator))) }
        self.init(name: name, shape: shape, value: values)
    }

    /// The number of scalars.
    public var count: Int { value.count }

    /// Resets the accumulated gradient to zero.
    public func zeroGradient() {
        gradient.withUnsafeMutableBufferPointer { S.zero($0.baseAddress!, count: $0.count) }
    }
}
