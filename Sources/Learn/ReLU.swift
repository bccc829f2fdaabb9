/// max(x, 0), element-wise, remembering its output for the backward pass.
public final class ReLU<S: BLASScalar> {
    private var output: [S] = []

    /// Creates the activation.
    public init() {}

    /// Returns max(x, 0).
    public func forward(_ x: [S]) -> [S] {
        var y = x
        y.withUnsafeMutableBufferPointer { S.kernels.reluForward($0.baseAddress!, $0.count) }
        output = y
        return y
    }

    /// Returns `grad` where the output was positive, zero elsewhere.
    public func backward(_ grad: [S]) -> [S] {
        var g = grad
        g.withUnsafeMutableBufferPointer { gp in
            output.withUnsafeBufferPointer { S.kernels.reluBackward(gp.baseAddress!, $0.baseAddress!, gp.count) }
        }
        return g
    }
}
