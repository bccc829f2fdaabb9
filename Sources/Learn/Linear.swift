/// A fully connected layer `y = x Wᵀ + b` over the rows of a `[rows, in]` matrix, PyTorch's
/// `nn.Linear` layout (`weight` `[out, in]`, `bias` `[out]`), with or without bias.
import Numerics
public final class Linear<S: BLASScalar> {
    /// `[out, in]`.
    public let weight: Parameter<S>
    /// `[out]`, or nil for a bias-free projection.
    public let bias: Parameter<S>?
    /// Input width.
    public let inputWidth: Int
    /// Output width.
    public let outputWidth: Int
    private var input: [S] = []
    private var rows = 0

    /// Creates the layer with PyTorch's default initialisation, U(-1/√in, 1/√in).
    public init(name: String, input: Int, output: Int, bias: Bool = true, generator: inout SeededGenerator) {
        inputWidth = input
        outputWidth = output
        let bound = 1 / Double(max(input, 1)).squareRoot()
        weight = Parameter(name: "\(name).weight", shape: [output, input], uniformBound: bound, using: &generator)
        self.bias =
            bias ? Parameter(name: "\(name).bias", shape: [output], uniformBound: bound, using: &generator) : nil
    }

    /// The layer's parameters.
    public var parameters: [Parameter<S>] { [weight] + (bias.map { [$0] } ?? []) }

    /// `x` is `[rows, in]`; returns `[rows, out]` and keeps `x` for `backward`.
    public func forward(_ x: [S], rows: Int) -> [S] {
        input = x
        self.rows = rows
        var y = S.zeros(rows * outputWidth)
        x.withUnsafeBufferPointer { xp in
            weight.value.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    S.gemm(
                        transA: false, transB: true, m: rows, n: outputWidth, k: inputWidth, alpha: 1,
                        a: xp.baseAddress!, lda: inputWidth, b: wp.baseAddress!, ldb: inputWidth,
                        beta: 0, c: yp.baseAddress!, ldc: outputWidth)
                    if let bias {
                        bias.value.withUnsafeBufferPointer { bp in
                            S.kernels.addRowVector(yp.baseAddress!, rows, outputWidth, bp.baseAddress!)
                        }
                    }
                }
            }
        }
        return y
    }

    /// Accumulates ∂L/∂W and ∂L/∂b from `gradOutput` (`[rows, out]`) and returns ∂L/∂x (`[rows, in]`).
    public func backward(_ gradOutput: [S], needInputGradient: Bool = true) -> [S] {
        gradOutput.withUnsafeBufferPointer { gp in
            input.withUnsafeBufferPointer { xp in
                weight.gradient.withUnsafeMutableBufferPointer { wg in
                    S.gemm(
                        transA: true, transB: false, m: outputWidth, n: inputWidth, k: rows, alpha: 1,
                        a: gp.baseAddress!, lda: outputWidth, b: xp.baseAddress!, ldb: inputWidth,
                        beta: 1, c: wg.baseAddress!, ldc: inputWidth)
                }
            }
            if let bias {
                bias.gradient.withUnsafeMutableBufferPointer { bg in
                    S.kernels.accumulateColumnSums(gp.baseAddress!, rows, outputWidth, bg.baseAddress!)
                }
            }
        }
        guard needInputGradient else { return [] }
        var gradInput = S.zeros(rows * inputWidth)
        gradOutput.withUnsafeBufferPointer { gp in
            weight.value.withUnsafeBufferPointer { wp in
                gradInput.withUnsafeMutableBufferPointer { dx in
                    S.gemm(
                        transA: false, transB: false, m: rows, n: inputWidth, k: outputWidth, alpha: 1,
                        a: gp.baseAddress!, lda: outputWidth, b: wp.baseAddress!, ldb: inputWidth,
                        beta: 0, c: dx.baseAddress!, ldc: inputWidth)
                }
            }
        }
        return gradInput
    }
}
