/// A multi-layer GRU over a batch of variable-length sequences with PyTorch's equations and parameter
/// layout (`weight_ih_l{k}` `[3H, in]`, `weight_hh_l{k}` `[3H, H]`, `bias_ih_l{k}`, `bias_hh_l{k}`, gate
/// order r, z, n), initial state zero:
///
///     r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h
///
/// The input projection of every step is one GEMM; the recurrence is one GEMM per step over the batch.
/// Past a sequence's end the state is frozen (the output at padded steps repeats the last valid state),
/// so the output at step `steps - 1` is every sequence's last valid state and padding changes nothing.
import Numerics

public final class GRU<S: BLASScalar> {
    /// The stacked layers, bottom first.
    public let layers: [GRULayer<S>]
    /// Hidden units per layer.
    public let hidden: Int

    /// Creates `layerCount` layers with PyTorch's default initialisation, U(-1/√H, 1/√H).
    public init(name: String, input: Int, hidden: Int, layers layerCount: Int, generator: inout SeededGenerator) {
        self.hidden = hidden
        var stack = [GRULayer<S>]()
        for k in 0..<max(layerCount, 1) {
            stack.append(
                GRULayer(name: name, index: k, input: k == 0 ? input : hidden, hidden: hidden, generator: &generator))
        }
        layers = stack
    }

    /// Every layer's parameters, in PyTorch's order.
    public var parameters: [Parameter<S>] { layers.flatMap(\.parameters) }

    /// Runs all layers; returns the top layer's states `[steps, batch, H]`.
    public func forward(_ batch: FrameBatch<S>) -> FrameBatch<S> {
        var current = batch
        for layer in layers { current = layer.forward(current) }
        return current
    }

    /// Back-propagates ∂L/∂(top states) through all layers; returns ∂L/∂input (zero at padded steps).
    /// With `parameterGradients` false only the input gradient is computed (for attribution).
    public func backward(_ gradOutput: [S], needInputGradient: Bool = true, parameterGradients: Bool = true) -> [S] {
        var grad = gradOutput
        for (k, layer) in layers.enumerated().reversed() {
            grad = layer.backward(
                grad, needInputGradient: needInputGradient || k > 0, parameterGradients: parameterGradients)
        }
        return grad
    }
}

/// One GRU layer (see `GRU`).
public final class GRULayer<S: BLASScalar> {
    /// `weight_ih_l{k}`, `[3H, in]`.
    public let weightIH: Parameter<S>
    /// `weight_hh_l{k}`, `[3H, H]`.
    public let weightHH: Parameter<S>
    /// `bias_ih_l{k}`, `[3H]`.
    public let biasIH: Parameter<S>
    /// `bias_hh_l{k}`, `[3H]`.
    public let biasHH: Parameter<S>
    /// Input width.
    public let inputWidth: Int
    /// Hidden units.
    public let hidden: Int

    private var input: [S] = []
    private var lengths: [Int] = []
    private var steps = 0
    private let inputGates = ScalarBuffer<S>()  // [steps, batch, 3H]: W_ih x + b_ih
    private let hiddenGates = ScalarBuffer<S>()  // [steps, batch, 3H]: W_hh h_{t-1} + b_hh
    private let previous = ScalarBuffer<S>()  // [steps, batch, H]: h_{t-1}
    private let reset = ScalarBuffer<S>()
    private let update = ScalarBuffer<S>()
    private let candidate = ScalarBuffer<S>()
    private let states = ScalarBuffer<S>()  // [steps, batch, H]: h_t

    init(name: String, index k: Int, input: Int, hidden: Int, generator: inout SeededGenerator) {
        inputWidth = input
        self.hidden = hidden
        let bound = 1 / Double(max(hidden, 1)).squareRoot()
        weightIH = Parameter(
            name: "\(name).weight_ih_l\(k)", shape: [3 * hidden, input], uniformBound: bound, using: &generator)
        weightHH = Parameter(
            name: "\(name).weight_hh_l\(k)", shape: [3 * hidden, hidden], uniformBound: bound, using: &generator)
        biasIH = Parameter(name: "\(name).bias_ih_l\(k)", shape: [3 * hidden], uniformBound: bound, using: &generator)
        biasHH = Parameter(name: "\(name).bias_hh_l\(k)", shape: [3 * hidden], uniformBound: bound, using: &generator)
    }

    /// The layer's parameters in PyTorch's order.
    public var parameters: [Parameter<S>] { [weightIH, weightHH, biasIH, biasHH] }

    func forward(_ batch: FrameBatch<S>) -> FrameBatch<S> {
        input = batch.frames
        lengths = batch.lengths
        steps = batch.steps
        let b = batch.batchSize
        let h = hidden
        let rows = steps * b
        for buffer in [inputGates, hiddenGates] { buffer.reset(count: rows * 3 * h) }
        for buffer in [previous, reset, update, candidate, states] { buffer.reset(count: rows * h) }
        guard rows > 0 else { return FrameBatch(frames: [], lengths: lengths, width: h) }
        input.withUnsafeBufferPointer { xp in
            weightIH.value.withUnsafeBufferPointer { wp in
                S.gemm(
                    transA: false, transB: true, m: rows, n: 3 * h, k: inputWidth, alpha: 1,
                    a: xp.baseAddress!, lda: inputWidth, b: wp.baseAddress!, ldb: inputWidth,
                    beta: 0, c: inputGates.pointer, ldc: 3 * h)
            }
        }
        biasIH.value.withUnsafeBufferPointer {
            S.kernels.addRowVector(inputGates.pointer, rows, 3 * h, $0.baseAddress!)
        }
        weightHH.value.withUnsafeBufferPointer { w in
            biasHH.value.withUnsafeBufferPointer { bias in
                for t in 0..<steps {
                    let prevT = previous[offset: t * b * h]
                    if t > 0 { S.copy(prevT, from: states[offset: (t - 1) * b * h], count: b * h) }
                    let ghT = hiddenGates[offset: t * b * 3 * h]
                    for row in 0..<b { S.copy(ghT + row * 3 * h, from: bias.baseAddress!, count: 3 * h) }
                    S.gemm(
                        transA: false, transB: true, m: b, n: 3 * h, k: h, alpha: 1, a: prevT, lda: h,
                        b: w.baseAddress!, ldb: h, beta: 1, c: ghT, ldc: 3 * h)
                    batch.validity(step: t).withUnsafeBufferPointer { valid in
                        S.kernels.gruStepForward(
                            GRUStepBuffers(
                                batch: b, hidden: h, valid: valid.baseAddress!,
                                inputGates: inputGates[offset: t * b * 3 * h], hiddenGates: ghT, previous: prevT,
                                reset: reset[offset: t * b * h], update: update[offset: t * b * h],
                                candidate: candidate[offset: t * b * h], next: states[offset: t * b * h]))
                    }
                }
            }
        }
        return FrameBatch(frames: states.array, lengths: lengths, width: h)
    }

    func backward(_ gradOutput: [S], needInputGradient: Bool, parameterGradients: Bool = true) -> [S] {
        let b = lengths.count
        let h = hidden
        let rows = steps * b
        guard rows > 0 else { return [] }
        var gradInputGates = S.zeros(rows * 3 * h)
        var gradHiddenGates = S.zeros(rows * 3 * h)
        let carried = ScalarBuffer<S>(count: b * h)  // ∂L/∂h_t from later steps
        let total = ScalarBuffer<S>(count: b * h)  // ∂L/∂h_t: carried plus this step's output gradient
        gradOutput.withUnsafeBufferPointer { dOut in
            gradInputGates.withUnsafeMutableBufferPointer { dGi in
                gradHiddenGates.withUnsafeMutableBufferPointer { dGh in
                    weightHH.value.withUnsafeBufferPointer { w in
                        for t in stride(from: steps - 1, through: 0, by: -1) {
                            S.copy(total.pointer, from: carried.pointer, count: b * h)
                            S.kernels.addInPlace(total.pointer, dOut.baseAddress! + t * b * h, b * h)
                            let dGhT = dGh.baseAddress! + t * b * 3 * h
                            lengths.map { t < $0 ? UInt8(1) : 0 }.withUnsafeBufferPointer { valid in
                                S.kernels.gruStepBackward(
                                    GRUStepBuffers(
                                        batch: b, hidden: h, valid: valid.baseAddress!,
                                        inputGates: inputGates[offset: t * b * 3 * h],
                                        hiddenGates: hiddenGates[offset: t * b * 3 * h],
                                        previous: previous[offset: t * b * h], reset: reset[offset: t * b * h],
                                        update: update[offset: t * b * h], candidate: candidate[offset: t * b * h],
                                        next: states[offset: t * b * h], gradNext: UnsafePointer(total.pointer),
                                        gradInputGates: dGi.baseAddress! + t * b * 3 * h, gradHiddenGates: dGhT,
                                        gradPrevious: carried.pointer))
                            }
                            if t > 0 {
                                S.gemm(
                                    transA: false, transB: false, m: b, n: h, k: 3 * h, alpha: 1, a: dGhT, lda: 3 * h,
                                    b: w.baseAddress!, ldb: h, beta: 1, c: carried.pointer, ldc: h)
                            }
                        }
                    }
                }
            }
        }
        // Parameter gradients: one GEMM each over all steps.
        if parameterGradients { accumulateParameterGradients(gradInputGates, gradHiddenGates, rows: rows) }
        guard needInputGradient else { return [] }
        var gradInput = S.zeros(rows * inputWidth)
        gradInputGates.withUnsafeBufferPointer { dGi in
            weightIH.value.withUnsafeBufferPointer { wp in
                gradInput.withUnsafeMutableBufferPointer { dx in
                    S.gemm(
                        transA: false, transB: false, m: rows, n: inputWidth, k: 3 * h, alpha: 1,
                        a: dGi.baseAddress!, lda: 3 * h, b: wp.baseAddress!, ldb: inputWidth,
                        beta: 0, c: dx.baseAddress!, ldc: inputWidth)
                }
            }
        }
        return gradInput
    }

    /// Adds ∂L/∂W and ∂L/∂b of both gate maps from the gates' gradients over all `rows`.
    private func accumulateParameterGradients(_ gradInputGates: [S], _ gradHiddenGates: [S], rows: Int) {
        let h = hidden
        gradHiddenGates.withUnsafeBufferPointer { dGh in
            weightHH.gradient.withUnsafeMutableBufferPointer { wg in
                S.gemm(
                    transA: true, transB: false, m: 3 * h, n: h, k: rows, alpha: 1,
                    a: dGh.baseAddress!, lda: 3 * h, b: previous.pointer, ldb: h,
                    beta: 1, c: wg.baseAddress!, ldc: h)
            }
            biasHH.gradient.withUnsafeMutableBufferPointer { bg in
                S.kernels.accumulateColumnSums(dGh.baseAddress!, rows, 3 * h, bg.baseAddress!)
            }
        }
        gradInputGates.withUnsafeBufferPointer { dGi in
            input.withUnsafeBufferPointer { xp in
                weightIH.gradient.withUnsafeMutableBufferPointer { wg in
                    S.gemm(
                        transA: true, transB: false, m: 3 * h, n: inputWidth, k: rows, alpha: 1,
                        a: dGi.baseAddress!, lda: 3 * h, b: xp.baseAddress!, ldb: inputWidth,
                        beta: 1, c: wg.baseAddress!, ldc: inputWidth)
                }
            }
            biasIH.gradient.withUnsafeMutableBufferPointer { bg in
                S.kernels.accumulateColumnSums(dGi.baseAddress!, rows, 3 * h, bg.baseAddress!)
            }
        }
    }
}
