/// A TC-GRU or GRU-FF decoder (see `DecoderConfig`) over batches of variable-length sequences, with an
/// explicit backward pass down to the raw input frames. Outputs are linear (logits for binary targets:
/// callers apply the sigmoid).
import Numerics
public final class SequenceDecoder<S: BLASScalar> {
    /// The architecture.
    public let config: DecoderConfig
    /// The input standardisation applied first (identity until set).
    public private(set) var standardization: Standardization
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
        var generator = SeededGenerator(seed: seed)
        switch config.kind {
        case .tcGRU:
            conv = Conv1d(
                name: "conv", input: config.inputWidth, output: config.frontWidth, kernel: config.convKernel,
                generator: &generator)
            projection = nil
        case .gruFF:
            conv = nil
            projection = Linear(
                name: "projection", input: config.inputWidth, output: config.frontWidth, bias: false,
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

    /// Every trainable parameter, in a fixed order (front end, GRU, head, output).
    public var parameters: [Parameter<S>] {
        (conv?.parameters ?? []) + (projection?.parameters ?? []) + gru.parameters + head.parameters
            + output.parameters
    }

    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

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
        let standardized = FrameBatch(frames: frames, lengths: lengths, width: config.inputWidth)
        var front: [S]
        if let conv {
            front = frontReLU.forward(conv.forward(standardized).frames)
        } else if let projection {
            front = projection.forward(standardized.frames, rows: rows)
        } else {
            front = standardized.frames
        }
        front = frontDropout.forward(front, training: training, generator: &generator)
        let states = gru.forward(FrameBatch(frames: front, lengths: lengths, width: config.frontWidth))
        let pooled = pooling.forward(states)
        var hidden = headReLU.forward(head.forward(pooled, rows: lengths.count))
        hidden = headDropout.forward(hidden, training: training, generator: &generator)
        return output.forward(hidden, rows: lengths.count)
    }

    /// Back-propagates ∂L/∂outputs (`[batch, outputCount]`) from the last `forward`, accumulating
    /// parameter gradients; returns ∂L/∂(raw input frames) `[steps, batch, inputWidth]` (zero at padded
    /// steps) when `needInputGradient`, else an empty array.
    @discardableResult
    public func backward(_ gradOutputs: [S], needInputGradient: Bool = false) -> [S] {
        var grad = output.backward(gradOutputs)
        grad = headDropout.backward(grad)
        grad = headReLU.backward(grad)
        grad = head.backward(grad)
        grad = pooling.backward(grad)
        let needFront = needInputGradient
        grad = gru.backward(grad, needInputGradient: needFront || conv != nil || projection != nil)
        grad = frontDropout.backward(grad)
        if let conv {
            grad = conv.backward(frontReLU.backward(grad), needInputGradient: needFront)
        } else if let projection {
            grad = projection.backward(grad, needInputGradient: needFront)
        }
        guard needInputGradient else { return [] }
        // Chain through the standardisation; padded steps stay exactly zero.
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
