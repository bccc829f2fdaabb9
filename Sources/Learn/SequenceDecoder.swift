/// A TC-GRU or GRU-FF decoder (see `DecoderConfig`) over batches of variable-length sequences, with an
/// explicit backward pass down to the raw input frames. Outputs are linear (logits for binary targets:
/// callers apply the sigmoid).
///
/// With a layer mix (`config.layerMix` = L) the input frame is L layers' D columns each. Standardisation
/// stays per input column of the whole L·D frame, before the mix: each layer is brought to a common scale
/// first (the role of s3prl's per-layer `layer_norm` before its weighted sum), so the softmax weights choose
/// between layers by what they carry, not by how large their activations are (later transformer layers'
/// norms differ by orders of magnitude). Using the train split's column statistics, rather than a per-frame
/// layer norm, keeps one standardisation for every decoder, a checkpoint that takes raw frames, and an input
/// gradient (Integrated Gradients) for every (layer, dimension) column through the same chain as without a mix.
import Numerics

public final class SequenceDecoder<S: BLASScalar> {
    /// The architecture.
    public let config: DecoderConfig
    /// The input standardisation applied first (identity until set), over all `config.inputWidth` columns.
    public private(set) var standardization: Standardization
    /// The softmax mix of the frame's layers (nil without `config.layerMix`).
    public let layerMix: LayerMix<S>?
    /// The convolution front end (tc-gru).
    public let conv: Conv1d<S>?
    /// The bias-free projection front end (gru-ff).
    public let projection: Linear<S>?
    /// The recurrent core.
    public let gru: GRU<S>
    /// The hidden head layer.
    public let head: Linear<S>
    /// The output heads.
    public let output: Linear<S>

    private let frontReLU = ReLU<S>()
    private let frontDropout: Dropout<S>
    private let pooling: SequencePooling<S>
    private let headReLU = ReLU<S>()
    private let headDropout: Dropout<S>
    private var shift: [S]
    private var scale: [S]
    private var lengths: [Int] = []
    private var steps = 0

    /// Builds the decoder with PyTorch's default initialisation drawn from `seed`.
    public init(config: DecoderConfig, seed: UInt64) {
        self.config = config
        // Callers that take a configuration from outside (files, jobs) check it first and throw; here it is a bug.
        precondition(
            (try? config.validateLayerMix()) != nil,
            "a layer mix of \(config.layerMix ?? 0) layers cannot cut \(config.inputWidth) input columns")
        var generator = SeededGenerator(seed: seed)
        // The mix's weights start at zero and draw nothing: every other weight is drawn as without a mix.
        layerMix = config.layerMix.map { LayerMix(layers: $0, width: config.frontInputWidth) }
        switch config.kind {
        case .tcGRU:
            conv = Conv1d(
                name: "conv", input: config.frontInputWidth, output: config.frontWidth, kernel: config.convKernel,
                generator: &generator)
            projection = nil
        case .gruFF:
            conv = nil
            projection = Linear(
                name: "projection", input: config.frontInputWidth, output: config.frontWidth, bias: false,
                generator: &generator)
        }
        gru = GRU(
            name: "gru", input: config.frontWidth, hidden: config.gruHidden, layers: config.gruLayers,
            generator: &generator)
        head = Linear(name: "head", input: config.gruHidden, output: config.headHidden, generator: &generator)
        output = Linear(name: "output", input: config.headHidden, output: config.outputCount, generator: &generator)
        frontDropout = Dropout(probability: config.frontDropout)
        headDropout = Dropout(probability: config.headDropout)
        pooling = SequencePooling(kind: config.pooling)
        standardization = .identity(width: config.inputWidth)
        shift = [S](repeating: 0, count: config.inputWidth)
        scale = [S](repeating: 1, count: config.inputWidth)
    }

    /// Every trainable parameter, in a fixed order (layer mix, front end, GRU, head, output).
    public var parameters: [Parameter<S>] {
        (layerMix?.parameters ?? []) + (conv?.parameters ?? []) + (projection?.parameters ?? [])
            + gru.parameters + head.parameters + output.parameters
    }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// The learned share of each layer in the mixed frame, softmax(w) in layer order (sums to 1); nil
    /// without a layer mix.
    public var layerWeights: [Double]? { layerMix.map { $0.softmax.map { Double($0) } } }

    /// Sets the input standardisation (train-split statistics of the selected columns).
    public func setStandardization(_ value: Standardization) {
        standardization = value
        shift = value.mean.map { S(Double($0)) }
        scale = value.std.map { 1 / S(Double($0)) }
    }

    /// Zeroes every parameter's accumulated gradient.
    public func zeroGradients() { for p in parameters { p.zeroGradient() } }

    /// Runs the decoder on raw frames; returns `[batch, outputCount]`. Dropout is active only when
    /// `training`, drawing its masks from `generator`.
    public func forward(_ batch: FrameBatch<S>, training: Bool, generator: inout SeededGenerator) -> [S] {
        forward(fromFront: frontOutput(batch), training: training, generator: &generator)
    }

    /// The front end's output before its activation: standardisation, layer mix, then the convolution
    /// (tc-gru) or the projection (gru-ff), `[steps, batch, config.frontWidth]`. Every one of these is affine
    /// in the raw frames, which is what lets Integrated Gradients interpolate here instead of at the input
    /// (Attribution's `IntegratedGradients+Front`).
    public func frontOutput(_ batch: FrameBatch<S>) -> FrameBatch<S> {
        lengths = batch.lengths
        steps = batch.steps
        var frames = batch.frames
        let rows = batch.steps * batch.batchSize
        frames.withUnsafeMutableBufferPointer { fp in
            shift.withUnsafeBufferPointer { sp in
                scale.withUnsafeBufferPointer { kp in
                    S.kernels.standardize(fp.baseAddress!, rows, config.inputWidth, sp.baseAddress!, kp.baseAddress!)
                }
            }
            lengths.withUnsafeBufferPointer { lp in
                S.kernels.zeroPadding(fp.baseAddress!, steps, lengths.count, config.inputWidth, lp.baseAddress!)
            }
        }
        var standardized = FrameBatch(frames: frames, lengths: lengths, width: config.inputWidth)
        if let layerMix {
            standardized = FrameBatch(
                frames: layerMix.forward(frames, rows: rows), lengths: lengths, width: config.frontInputWidth)
        }
        if let conv { return conv.forward(standardized) }
        if let projection {
            return FrameBatch(
                frames: projection.forward(standardized.frames, rows: rows), lengths: lengths,
                width: config.frontWidth)
        }
        return standardized
    }

    /// The rest of the decoder from a front-end output (`frontOutput`'s shape): activation, dropout, GRU,
    /// pooling, head and outputs, `[batch, outputCount]`.
    public func forward(fromFront front: FrameBatch<S>, training: Bool, generator: inout SeededGenerator) -> [S] {
        lengths = front.lengths
        steps = front.steps
        var activated = conv != nil ? frontReLU.forward(front.frames) : front.frames
        activated = frontDropout.forward(activated, training: training, generator: &generator)
        let states = gru.forward(FrameBatch(frames: activated, lengths: lengths, width: config.frontWidth))
        let pooled = pooling.forward(states)
        var hidden = headReLU.forward(head.forward(pooled, rows: lengths.count))
        hidden = headDropout.forward(hidden, training: training, generator: &generator)
        return output.forward(hidden, rows: lengths.count)
    }

    /// Back-propagates ∂L/∂outputs (`[batch, outputCount]`) from the last `forward`, accumulating
    /// parameter gradients unless `parameterGradients` is false; returns ∂L/∂(raw input frames)
    /// `[steps, batch, inputWidth]` (zero at padded steps) when `needInputGradient`, else an empty array.
    /// Attribution passes `parameterGradients: false`: the weight GEMMs cost as much as the input-gradient
    /// ones and their results would only be zeroed again.
    @discardableResult
    public func backward(_ gradOutputs: [S], needInputGradient: Bool = false, parameterGradients: Bool = true) -> [S] {
        let p = parameterGradients
        var grad = frontGradient(gradOutputs, parameterGradients: p)
        // The mix's weights need the gradient at the front end's input even when the caller does not.
        let needFront = needInputGradient || (layerMix != nil && p)
        if let conv {
            grad = conv.backward(grad, needInputGradient: needFront, parameterGradients: p)
        } else if let projection {
            grad = projection.backward(grad, needInputGradient: needFront, parameterGradients: p)
        }
        if let layerMix, needFront {
            grad = layerMix.backward(grad, needInputGradient: needInputGradient, parameterGradients: p)
        }
        guard needInputGradient else { return [] }
        return rawInputGradient(grad, lengths: lengths, steps: steps)
    }

    /// ∂L/∂(front-end output before its activation) from ∂L/∂outputs of the last `forward` or
    /// `forward(fromFront:)`, accumulating the parameter gradients above the front end unless
    /// `parameterGradients` is false.
    public func frontGradient(_ gradOutputs: [S], parameterGradients: Bool = false) -> [S] {
        let p = parameterGradients
        var grad = output.backward(gradOutputs, parameterGradients: p)
        grad = headDropout.backward(grad)
        grad = headReLU.backward(grad)
        grad = head.backward(grad, parameterGradients: p)
        grad = pooling.backward(grad)
        grad = gru.backward(grad, needInputGradient: true, parameterGradients: p)
        grad = frontDropout.backward(grad)
        return conv != nil ? frontReLU.backward(grad) : grad
    }

    /// ∂L/∂(raw input frames) `[steps, batch, inputWidth]` from ∂L/∂(front-end output) of sequences of
    /// `lengths`: the front end's Jacobian, transposed. The front end is affine, so its Jacobian is the same
    /// at every input and nothing from a forward pass is needed: Integrated Gradients sums the front
    /// gradients of every interpolation point and maps the sum back once.
    public func inputGradient(fromFront gradFront: [S], lengths: [Int], steps: Int) -> [S] {
        let rows = steps * lengths.count
        var grad = gradFront
        if let conv {
            grad = conv.inputGradient(grad, lengths: lengths, steps: steps)
        } else if let projection {
            grad = projection.inputGradient(grad, rows: rows)
        }
        if let layerMix { grad = layerMix.inputGradient(grad, rows: rows) }
        return rawInputGradient(grad, lengths: lengths, steps: steps)
    }

    /// Chains a gradient at the standardised frames through the standardisation; padded steps stay exactly zero.
    private func rawInputGradient(_ gradient: [S], lengths: [Int], steps: Int) -> [S] {
        var grad = gradient
        let zeroShift = S.zeros(config.inputWidth)
        grad.withUnsafeMutableBufferPointer { gp in
            zeroShift.withUnsafeBufferPointer { sp in
                scale.withUnsafeBufferPointer { kp in
                    S.kernels.standardize(
                        gp.baseAddress!, steps * lengths.count, config.inputWidth, sp.baseAddress!, kp.baseAddress!)
                }
            }
            lengths.withUnsafeBufferPointer { lp in
                S.kernels.zeroPadding(gp.baseAddress!, steps, lengths.count, config.inputWidth, lp.baseAddress!)
            }
        }
        return grad
    }
}
