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
        return AffineMap.forward(
            x, rows: rows, inputs: inputWidth, outputs: outputWidth, weight: weight.value, bias: bias?.value)
    }

    /// Accumulates ∂L/∂W and ∂L/∂b from `gradOutput` (`[rows, out]`) unless `parameterGradients` is false
    /// (attribution needs only ∂L/∂x, and ∂L/∂W is a GEMM as large as the forward one), and returns ∂L/∂x
    /// (`[rows, in]`).
    public func backward(_ gradOutput: [S], needInputGradient: Bool = true, parameterGradients: Bool = true) -> [S] {
        if parameterGradients {
            AffineMap.accumulateGradients(
                gradOutput, input: input, rows: rows, inputs: inputWidth, outputs: outputWidth, weight: weight,
                bias: bias)
        }
        guard needInputGradient else { return [] }
        return inputGradient(gradOutput, rows: rows)
    }

    /// ∂L/∂x (`[rows, in]`) from `gradOutput` (`[rows, out]`) without touching what the last `forward` kept:
    /// the same map for every input (Integrated Gradients maps a sum of gradients back once).
    public func inputGradient(_ gradOutput: [S], rows: Int) -> [S] {
        AffineMap.inputGradient(gradOutput, rows: rows, inputs: inputWidth, outputs: outputWidth, weight: weight.value)
    }
}
