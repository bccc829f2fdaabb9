/// SUPERB's "use every layer" front: a frame holding L layers' hidden states of one encoder (layer 0's D
/// columns, then layer 1's, ...) becomes one D-wide frame `x = Σ_l softmax(w)_l · x_l`, with the L scalars
/// `w` trained with the decoder (s3prl's `Featurizer` in weighted-sum mode). The weights start at zero, a
/// uniform mix, as in s3prl, so no layer is favoured before the data speaks.
///
/// Softmax rather than free weights keeps the mix a convex combination: the mixed frame stays on the scale
/// of one (standardised) layer, and the weights read directly as "how much of each layer the model used".
import Numerics

public final class LayerMix<S: BLASScalar> {
    /// The unnormalised mix weights `w`, `[layers]`, saved as `layer_mix.weights`.
    public let weights: Parameter<S>
    /// L, the number of layers in a frame.
    public let layers: Int
    /// D, the width of one layer (and of the mixed frame).
    public let width: Int
    private var input: [S] = []
    private var rows = 0
    private var probabilities: [S] = []

    /// Creates the mix of `layers` layers of `width` columns each, all weights zero (uniform).
    public init(name: String = "layer_mix", layers: Int, width: Int) {
        precondition(layers >= 1 && width >= 1, "a layer mix needs at least one layer of at least one column")
        self.layers = layers
        self.width = width
        weights = Parameter(name: "\(name).weights", shape: [layers], value: S.zeros(layers))
    }

    /// The mix's parameter.
    public var parameters: [Parameter<S>] { [weights] }

    /// softmax(w), the share of each layer in the mixed frame (sums to 1).
    public var softmax: [S] {
        let w = weights.value
        let top = w.max() ?? 0
        let exponentials = w.map { S.exponential($0 - top) }
        let total = exponentials.reduce(0, +)
        return exponentials.map { $0 / total }
    }

    /// `x` is `[rows, layers · width]`, each row layer after layer; returns `[rows, width]` and keeps `x` and
    /// the softmax for `backward`.
    public func forward(_ x: [S], rows: Int) -> [S] {
        precondition(x.count == rows * layers * width, "layer mix input is not [rows, \(layers) x \(width)]")
        input = x
        self.rows = rows
        probabilities = softmax
        var y = S.zeros(rows * width)
        x.withUnsafeBufferPointer { xp in
            probabilities.withUnsafeBufferPointer { pp in
                y.withUnsafeMutableBufferPointer { yp in
                    S.kernels.layerMixForward(xp.baseAddress!, rows, layers, width, pp.baseAddress!, yp.baseAddress!)
                }
            }
        }
        return y
    }

    /// ∂L/∂x (`[rows, layers · width]`) from `gradOutput` (`[rows, width]`): p_l times the gradient for layer
    /// l, the same linear map for every input, so it needs nothing the last `forward` kept (Integrated
    /// Gradients maps a sum of gradients back once). Equal to `backward`'s input gradient value for value.
    public func inputGradient(_ gradOutput: [S], rows: Int) -> [S] {
        precondition(gradOutput.count == rows * width, "layer mix gradient is not [rows, \(width)]")
        let p = softmax
        var gradInput = S.zeros(rows * layers * width)
        gradOutput.withUnsafeBufferPointer { g in
            gradInput.withUnsafeMutableBufferPointer { dx in
                for r in 0..<rows {
                    for l in 0..<layers {
                        let weight = p[l]
                        let source = r * width
                        let target = (r * layers + l) * width
                        for d in 0..<width { dx[target + d] = weight * g[source + d] }
                    }
                }
            }
        }
        return gradInput
    }

    /// Accumulates ∂L/∂w from `gradOutput` (`[rows, width]`) through the softmax,
    /// ∂L/∂w_k = p_k (∂L/∂p_k − Σ_l p_l ∂L/∂p_l), and returns ∂L/∂x (`[rows, layers · width]`) when
    /// `needInputGradient`, else an empty array.
    /// With `parameterGradients` false the mix weights' gradient is left as it was (attribution).
    public func backward(_ gradOutput: [S], needInputGradient: Bool = true, parameterGradients: Bool = true) -> [S] {
        var gradProbabilities = S.zeros(layers)
        var gradInput = needInputGradient ? S.zeros(rows * layers * width) : []
        gradOutput.withUnsafeBufferPointer { gp in
            input.withUnsafeBufferPointer { xp in
                probabilities.withUnsafeBufferPointer { pp in
                    gradProbabilities.withUnsafeMutableBufferPointer { dp in
                        gradInput.withUnsafeMutableBufferPointer { dx in
                            S.kernels.layerMixBackward(
                                gp.baseAddress!, xp.baseAddress!, rows, layers, width, pp.baseAddress!,
                                needInputGradient ? dx.baseAddress! : nil, dp.baseAddress!)
                        }
                    }
                }
            }
        }
        var expected: S = 0
        for l in 0..<layers { expected += probabilities[l] * gradProbabilities[l] }
        guard parameterGradients else { return gradInput }
        for k in 0..<layers { weights.gradient[k] += probabilities[k] * (gradProbabilities[k] - expected) }
        return gradInput
    }
}
