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
        output = AffineMap.forward(
            columns, rows: rows, inputs: rowWidth, outputs: outputWidth, weight: weight.value, bias: bias.value)
        output.withUnsafeMutableBufferPointer { yp in
            lengths.withUnsafeBufferPointer { lp in
                S.kernels.zeroPadding(yp.baseAddress!, steps, lengths.count, outputWidth, lp.baseAddress!)
            }
        }
        return FrameBatch(frames: output, lengths: lengths, width: outputWidth)
    }

    /// Accumulates parameter gradients from `gradOutput` (`[steps, batch, out]`) and returns ∂L/∂input;
    /// padded steps of `gradOutput` are ignored and padded input steps get exactly zero. With
    /// `parameterGradients` false the weight GEMM (as large as the forward one) is skipped: attribution
    /// needs only ∂L/∂input.
    public func backward(_ gradOutput: [S], needInputGradient: Bool = true, parameterGradients: Bool = true) -> [S] {
        let rows = steps * lengths.count
        let rowWidth = inputWidth * kernel
        guard rows > 0 else { return [] }
        var grad = gradOutput
        grad.withUnsafeMutableBufferPointer { gp in
            lengths.withUnsafeBufferPointer { lp in
                S.kernels.zeroPadding(gp.baseAddress!, steps, lengths.count, outputWidth, lp.baseAddress!)
            }
        }
        if parameterGradients {
            AffineMap.accumulateGradients(
                grad, input: columns, rows: rows, inputs: rowWidth, outputs: outputWidth, weight: weight, bias: bias)
        }
        guard needInputGradient else { return [] }
        return inputGradient(zeroedGradient: grad, lengths: lengths, steps: steps)
    }

    /// ∂L/∂input from `gradOutput` (`[steps, batch, out]` for sequences of `lengths`) without touching what
    /// the last `forward` kept: the convolution is linear in its input, so this is the same map for every
    /// input. Integrated Gradients uses it to map a sum of gradients at many points back to the frames once.
    public func inputGradient(_ gradOutput: [S], lengths: [Int], steps: Int) -> [S] {
        guard steps * lengths.count > 0 else { return [] }
        var grad = gradOutput
        grad.withUnsafeMutableBufferPointer { gp in
            lengths.withUnsafeBufferPointer { lp in
                S.kernels.zeroPadding(gp.baseAddress!, steps, lengths.count, outputWidth, lp.baseAddress!)
            }
        }
        return inputGradient(zeroedGradient: grad, lengths: lengths, steps: steps)
    }

    /// The input gradient of a `gradOutput` whose padded steps are already zero.
    private func inputGradient(zeroedGradient grad: [S], lengths: [Int], steps: Int) -> [S] {
        let rows = steps * lengths.count
        let rowWidth = inputWidth * kernel
        let gradColumns = AffineMap.inputGradient(
            grad, rows: rows, inputs: rowWidth, outputs: outputWidth, weight: weight.value)
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
