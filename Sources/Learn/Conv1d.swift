/// A temporal convolution with "same" padding over a batch of variable-length sequences, PyTorch's
/// `nn.Conv1d` layout (`weight` `[out, in, kernel]`, `bias` `[out]`), computed as im2col + one GEMM.
/// Each sequence is convolved as if alone: steps outside `0..<length` read as zero, so padding never
/// leaks into valid outputs; padded output steps are zero.
import Numerics
public final class Conv1d<S: BLASScalar> {
    /// `[out, in, kernel]`.
    public let weight: Parameter<S>
    /// `[out]`.
    public let bias: Parameter<S>
    /// Input channels.
    public let inputWidth: Int
    /// Output channels.
    public let outputWidth: Int
    /// Kernel size (odd, so that "same" padding is symmetric).
    public let kernel: Int
    private var columns: [S] = []
    private var lengths: [Int] = []
    private var steps = 0

    /// Creates the layer with PyTorch's default initialisation, U(-1/√(in·k), 1/√(in·k)).
    public init(name: String, input: Int, output: Int, kernel: Int, generator: inout SeededGenerator) {
        inputWidth = input
        outputWidth = output
        self.kernel = kernel
        let bound = 1 / Double(max(input * kernel, 1)).squareRoot()
        weight = Parameter(
            name: "\(name).weight", shape: [output, input, kernel], uniformBound: bound, using: &generator)
        bias = Parameter(name: "\(name).bias", shape: [output], uniformBound: bound, using: &generator)
    }

    /// The layer's parameters.
    public var parameters: [Parameter<S>] { [weight, bias] }

    /// Convolves `batch` (width `inputWidth`); returns a batch of width `outputWidth`.
    public func forward(_ batch: FrameBatch<S>) -> FrameBatch<S> {
        steps = batch.steps
        lengths = batch.lengths
        let rows = steps * batch.batchSize
        let rowWidth = inputWidth * kernel
        columns = S.zeros(rows * rowWidth)
        var output = S.zeros(rows * outputWidth)
        guard rows > 0 else { return FrameBatch(frames: output, lengths: lengths, width: outputWidth) }
        batch.frames.withUnsafeBufferPointer { xp in
            lengths.withUnsafeBufferPointer { lp in
                columns.withUnsafeMutableBufferPointer { cp in
                    S.kernels.im2col(
                        xp.baseAddress!, steps, batch.batchSize, inputWidth, kernel, lp.baseAddress!, cp.baseAddress!)
                }
            }
        }
        columns.withUnsafeBufferPointer { cp in
            weight.value.withUnsafeBufferPointer { wp in
                output.withUnsafeMutableBufferPointer { yp in
                    S.gemm(
                        transA: false, transB: true, m: rows, n: outputWidth, k: rowWidth, alpha: 1,
                        a: cp.baseAddress!, lda: rowWidth, b: wp.baseAddress!, ldb: rowWidth,
                        beta: 0, c: yp.baseAddress!, ldc: outputWidth)
                    bias.value.withUnsafeBufferPointer { bp in
                        S.kernels.addRowVector(yp.baseAddress!, rows, outputWidth, bp.baseAddress!)
                    }
                    lengths.withUnsafeBufferPointer { lp in
                        S.kernels.zeroPadding(yp.baseAddress!, steps, lengths.count, outputWidth, lp.baseAddress!)
                    }
                }
            }
        }
        return FrameBatch(frames: output, lengths: lengths, width: outputWidth)
    }

    /// Accumulates parameter gradients from `gradOutput` (`[steps, batch, out]`) and returns ∂L/∂input;
    /// padded steps of `gradOutput` are ignored and padded input steps get exactly zero.
    public func backward(_ gradOutput: [S], needInputGradient: Bool = true) -> [S] {
        let rows = steps * lengths.count
        let rowWidth = inputWidth * kernel
        guard rows > 0 else { return [] }
        var grad = gradOutput
        grad.withUnsafeMutableBufferPointer { gp in
            lengths.withUnsafeBufferPointer { lp in
                S.kernels.zeroPadding(gp.baseAddress!, steps, lengths.count, outputWidth, lp.baseAddress!)
            }
        }
        grad.withUnsafeBufferPointer { gp in
            columns.withUnsafeBufferPointer { cp in
                weight.gradient.withUnsafeMutableBufferPointer { wg in
                    S.gemm(
                        transA: true, transB: false, m: outputWidth, n: rowWidth, k: rows, alpha: 1,
                        a: gp.baseAddress!, lda: outputWidth, b: cp.baseAddress!, ldb: rowWidth,
                        beta: 1, c: wg.baseAddress!, ldc: rowWidth)
                }
            }
            bias.gradient.withUnsafeMutableBufferPointer { bg in
                S.kernels.accumulateColumnSums(gp.baseAddress!, rows, outputWidth, bg.baseAddress!)
            }
        }
        guard needInputGradient else { return [] }
        var gradColumns = S.zeros(rows * rowWidth)
        grad.withUnsafeBufferPointer { gp in
            weight.value.withUnsafeBufferPointer { wp in
                gradColumns.withUnsafeMutableBufferPointer { dc in
                    S.gemm(
                        transA: false, transB: false, m: rows, n: rowWidth, k: outputWidth, alpha: 1,
                        a: gp.baseAddress!, lda: outputWidth, b: wp.baseAddress!, ldb: rowWidth,
                        beta: 0, c: dc.baseAddress!, ldc: rowWidth)
                }
            }
        }
        var gradInput = S.zeros(rows * inputWidth)
        gradColumns.withUnsafeBufferPointer { dc in
            lengths.withUnsafeBufferPointer { lp in
                gradInput.withUnsafeMutableBufferPointer { dx in
                    S.kernels.col2im(
                        dc.baseAddress!, steps, lengths.count, inputWidth, kernel, lp.baseAddress!, dx.baseAddress!)
                }
            }
        }
        return gradInput
    }
}
