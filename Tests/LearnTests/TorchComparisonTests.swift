import Learn
import Numerics
import XCTest

/// The layers, a whole TC-GRU and an Adam step against PyTorch with the same weights. PyTorch runs each
/// utterance alone (no padding), so agreement also shows that our padded batches equal unpadded runs.
final class TorchComparisonTests: XCTestCase {
    static let lengths = [4, 2, 5, 1]
    /// Every reference computation of this class, run in one Python process on first use.
    static let reference = ReferenceBatch {
        [
            "gru": gruFixture().request, "conv": convFixture().request, "tcgru": tcgruFixture().request,
            "adam": adamFixture().request,
        ]
    }
    /// Float32 against float64 PyTorch: the bar.
    let floatTolerance = 1e-5
    /// Double against float64 PyTorch: only summation order differs.
    let doubleTolerance = 1e-10

    static func parameterDictionary<S: BLASScalar>(_ parameters: [Parameter<S>], dropPrefix: Bool) -> [String: [Double]]
    {
        var out = [String: [Double]]()
        for p in parameters {
            let name = dropPrefix ? String(p.name.split(separator: ".", maxSplits: 1)[1]) : p.name
            out[name] = p.value.map { Double($0) }
        }
        return out
    }

    /// Splits a time-major `[steps, batch, width]` buffer into per-sequence row-major valid frames.
    static func perSequence<S: BLASScalar>(_ frames: [S], lengths: [Int], width: Int) -> [[Double]] {
        lengths.indices.map { b in
            (0..<lengths[b]).flatMap { t in
                (0..<width).map { c in Double(frames[(t * lengths.count + b) * width + c]) }
            }
        }
    }

    /// Packs per-sequence row-major weights into a time-major buffer, zero at padded steps.
    static func timeMajor(_ sequences: [[Double]], width: Int) -> [Double] {
        FrameBatch<Double>(sequences: sequences, width: width).frames
    }

    func assertClose(_ a: [Double], _ b: [Any]?, _ tolerance: Double, _ what: String, line: UInt = #line) {
        let reference = (b as? [Double]) ?? (b as? [NSNumber])?.map(\.doubleValue) ?? []
        XCTAssertEqual(a.count, reference.count, "\(what): size", line: line)
        for (i, (x, y)) in zip(a, reference).enumerated() where abs(x - y) > tolerance * max(1, abs(y)) {
            XCTFail("\(what)[\(i)]: \(x) vs PyTorch \(y)", line: line)
            return
        }
    }

    static func gruFixture() -> (
        gru: GRU<Double>, batch: FrameBatch<Double>, weights: [[Double]], request: [String: Any]
    ) {
        var g = SeededGenerator(seed: 21)
        let gru = GRU<Double>(name: "gru", input: 5, hidden: 6, layers: 2, generator: &g)
        let batch = GradientCheck.randomBatch(lengths: Self.lengths, width: 5, seed: 22)
        let weights = Self.lengths.map { n in (0..<(n * 6)).map { _ in Double.random(in: -1...1, using: &g) } }
        let request: [String: Any] = [
            "mode": "gru", "width": 5, "hidden": 6, "layers": 2,
            "params": Self.parameterDictionary(gru.parameters, dropPrefix: true),
            "sequences": Self.perSequence(batch.frames, lengths: Self.lengths, width: 5), "weights": weights,
        ]
        return (gru, batch, weights, request)
    }

    func testGRUOutputsAndGradientsMatchPyTorch() throws {
        let (gru, batch, weights, _) = Self.gruFixture()
        let response = try Self.reference.response("gru")
        let referenceOutputs = response["outputs"] as? [Any] ?? []
        let referenceInputGrads = response["input_grads"] as? [Any] ?? []
        let referenceParamGrads = response["param_grads"] as? [String: Any] ?? [:]

        // Double: every output, parameter gradient and input gradient.
        let out = gru.forward(batch)
        for p in gru.parameters { p.zeroGradient() }
        let gradInput = gru.backward(Self.timeMajor(weights, width: 6))
        for (b, seq) in Self.perSequence(out.frames, lengths: Self.lengths, width: 6).enumerated() {
            assertClose(seq, referenceOutputs[b] as? [Any], doubleTolerance, "double output of sequence \(b)")
        }
        for (b, seq) in Self.perSequence(gradInput, lengths: Self.lengths, width: 5).enumerated() {
            assertClose(seq, referenceInputGrads[b] as? [Any], doubleTolerance, "double input gradient \(b)")
        }
        for p in gru.parameters {
            let name = String(p.name.dropFirst(4))
            assertClose(p.gradient, referenceParamGrads[name] as? [Any], doubleTolerance, "double \(name) gradient")
        }

        // Float32 with the same weights: within 1e-5.
        var g32 = SeededGenerator(seed: 0)
        let gru32 = GRU<Float>(name: "gru", input: 5, hidden: 6, layers: 2, generator: &g32)
        for (p32, p) in zip(gru32.parameters, gru.parameters) { p32.value = p.value.map { Float($0) } }
        let batch32 = FrameBatch<Float>(frames: batch.frames.map { Float($0) }, lengths: Self.lengths, width: 5)
        let out32 = gru32.forward(batch32)
        for p in gru32.parameters { p.zeroGradient() }
        let gradInput32 = gru32.backward(Self.timeMajor(weights, width: 6).map { Float($0) })
        for (b, seq) in Self.perSequence(out32.frames, lengths: Self.lengths, width: 6).enumerated() {
            assertClose(seq, referenceOutputs[b] as? [Any], floatTolerance, "float output of sequence \(b)")
        }
        for (b, seq) in Self.perSequence(gradInput32, lengths: Self.lengths, width: 5).enumerated() {
            assertClose(seq, referenceInputGrads[b] as? [Any], floatTolerance, "float input gradient \(b)")
        }
        for p in gru32.parameters {
            let name = String(p.name.dropFirst(4))
            assertClose(
                p.gradient.map { Double($0) }, referenceParamGrads[name] as? [Any], floatTolerance,
                "float \(name) gradient")
        }
    }

    static func convFixture() -> (
        conv: Conv1d<Double>, batch: FrameBatch<Double>, weights: [[Double]], request: [String: Any]
    ) {
        var g = SeededGenerator(seed: 23)
        let conv = Conv1d<Double>(name: "conv", input: 4, output: 3, kernel: 3, generator: &g)
        let batch = GradientCheck.randomBatch(lengths: Self.lengths, width: 4, seed: 24)
        let weights = Self.lengths.map { n in (0..<(n * 3)).map { _ in Double.random(in: -1...1, using: &g) } }
        let request: [String: Any] = [
            "mode": "conv", "width": 4, "out": 3, "kernel": 3,
            "params": Self.parameterDictionary(conv.parameters, dropPrefix: true),
            "sequences": Self.perSequence(batch.frames, lengths: Self.lengths, width: 4), "weights": weights,
        ]
        return (conv, batch, weights, request)
    }

    func testConv1dOutputsAndGradientsMatchPyTorch() throws {
        let (conv, batch, weights, _) = Self.convFixture()
        let response = try Self.reference.response("conv")
        let out = conv.forward(batch)
        let gradInput = conv.backward(Self.timeMajor(weights, width: 3))
        let referenceOutputs = response["outputs"] as? [Any] ?? []
        let referenceInputGrads = response["input_grads"] as? [Any] ?? []
        let referenceParamGrads = response["param_grads"] as? [String: Any] ?? [:]
        for (b, seq) in Self.perSequence(out.frames, lengths: Self.lengths, width: 3).enumerated() {
            assertClose(seq, referenceOutputs[b] as? [Any], doubleTolerance, "output of sequence \(b)")
        }
        for (b, seq) in Self.perSequence(gradInput, lengths: Self.lengths, width: 4).enumerated() {
            assertClose(seq, referenceInputGrads[b] as? [Any], doubleTolerance, "input gradient \(b)")
        }
        assertClose(conv.weight.gradient, referenceParamGrads["weight"] as? [Any], doubleTolerance, "weight gradient")
        assertClose(conv.bias.gradient, referenceParamGrads["bias"] as? [Any], doubleTolerance, "bias gradient")
    }

    static func tcgruFixture() -> (model: SequenceDecoder<Float>, batch: FrameBatch<Float>, request: [String: Any]) {
        var config = DecoderConfig.tcGRU(inputWidth: 6, outputCount: 2)
        config.frontWidth = 8
        config.gruHidden = 5
        config.headHidden = 4
        let model = SequenceDecoder<Float>(config: config, seed: 25)
        let mean: [Float] = [0.1, -0.3, 0.2, 0, 0.4, -0.1]
        let std: [Float] = [1.5, 0.5, 2, 1, 0.8, 1.2]
        model.setStandardization(Standardization(mean: mean, std: std))
        let batch64 = GradientCheck.randomBatch(lengths: Self.lengths, width: 6, seed: 26)
        let batch = FrameBatch<Float>(frames: batch64.frames.map { Float($0) }, lengths: Self.lengths, width: 6)
        let configJSON: [String: Any] = [
            "inputWidth": config.inputWidth, "frontWidth": config.frontWidth, "convKernel": config.convKernel,
            "gruHidden": config.gruHidden, "gruLayers": config.gruLayers, "headHidden": config.headHidden,
            "outputCount": config.outputCount,
        ]
        let request: [String: Any] = [
            "mode": "tcgru", "config": configJSON,
            "params": Self.parameterDictionary(model.parameters, dropPrefix: false),
            "mean": mean.map { Double($0) }, "std": std.map { Double($0) },
            "sequences": Self.perSequence(batch.frames, lengths: Self.lengths, width: 6),
        ]
        return (model, batch, request)
    }

    func testTCGRUForwardAndInputGradientsMatchPyTorch() throws {
        let (model, batch, _) = Self.tcgruFixture()
        let response = try Self.reference.response("tcgru")
        let (outputs, gradients) = model.outputsAndInputGradients(batch, outputs: [0])
        let referenceOutputs = response["outputs"] as? [Any] ?? []
        let referenceInputGrads = response["input_grads"] as? [Any] ?? []
        for b in Self.lengths.indices {
            assertClose(
                [Double(outputs[b * 2]), Double(outputs[b * 2 + 1])], referenceOutputs[b] as? [Any], floatTolerance,
                "outputs of utterance \(b)")
        }
        for (b, seq) in Self.perSequence(gradients[0], lengths: Self.lengths, width: 6).enumerated() {
            assertClose(seq, referenceInputGrads[b] as? [Any], floatTolerance, "∂output0/∂input of utterance \(b)")
        }
        XCTAssertEqual(model.predict(batch), outputs, "predict equals the outputs returned with gradients")
    }

    static func adamFixture() -> (initial: [Float], grads: [[Float]], request: [String: Any]) {
        var g = SeededGenerator(seed: 27)
        let initial = (0..<50).map { _ in Float.random(in: -1...1, using: &g) }
        let grads = (0..<6).map { _ in (0..<50).map { _ in Float.random(in: -2...2, using: &g) } }
        let request: [String: Any] = [
            "mode": "adam", "lr": 1e-3, "params": initial.map { Double($0) },
            "grads": grads.map { $0.map { Double($0) } },
        ]
        return (initial, grads, request)
    }

    func testAdamStepsMatchPyTorch() throws {
        let (initial, grads, _) = Self.adamFixture()
        let response = try Self.reference.response("adam")
        let history = response["history"] as? [Any] ?? []
        XCTAssertEqual(history.count, grads.count)
        let parameter = Parameter<Float>(name: "p", shape: [50], value: initial)
        let adam = Adam(parameters: [parameter], learningRate: 1e-3)
        for (step, grad) in grads.enumerated() {
            parameter.gradient = grad
            adam.update()
            // float32 rounding of the same operations; 1e-7 absolute is a few ulps at |p| ≤ 1.
            assertClose(parameter.value.map { Double($0) }, history[step] as? [Any], 1e-7, "after step \(step + 1)")
        }
    }
}
