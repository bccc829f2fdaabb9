import Learn
import Numerics
import XCTest

/// Both decoders behind a layer mix against PyTorch with the same weights (`layer_mix` in
/// `Python/torch_reference.py`, SUPERB's softmax-weighted sum written out): outputs, and the gradient of a
/// fixed linear loss of the outputs with respect to the mix weights, every other parameter and the raw L·D
/// input. PyTorch runs each utterance alone, so agreement also covers padding.
final class LayerMixTorchTests: XCTestCase {
    static let lengths = [4, 2, 5, 1]
    static let layers = 3
    static let layerWidth = 4
    static let reference = ReferenceBatch {
        Dictionary(uniqueKeysWithValues: DecoderConfig.Kind.allCases.map { ($0.rawValue, fixture($0).request) })
    }
    /// Float32 against float64 PyTorch, as in `TorchComparisonTests`.
    let floatTolerance = 1e-5
    /// Double against float64 PyTorch: only summation order differs.
    let doubleTolerance = 1e-9

    static func fixture(_ kind: DecoderConfig.Kind) -> (
        model: SequenceDecoder<Float>, batch: FrameBatch<Float>, coefficients: [Float], request: [String: Any]
    ) {
        let width = layers * layerWidth
        var config = DecoderConfig.preset(kind, inputWidth: width, outputCount: 2)
        config.layerMix = layers
        config.frontWidth = 6
        config.gruHidden = 5
        config.headHidden = 4
        let model = SequenceDecoder<Float>(config: config, seed: 61)
        var g = SeededGenerator(seed: 62)
        // Unequal mix weights, so the softmax and its Jacobian are not at their uniform starting point.
        model.layerMix!.weights.value = [0.4, -0.7, 1.1]
        let mean = (0..<width).map { _ in Float.random(in: -0.5...0.5, using: &g) }
        let std = (0..<width).map { _ in Float.random(in: 0.5...2, using: &g) }
        model.setStandardization(Standardization(mean: mean, std: std))
        let batch64 = GradientCheck.randomBatch(lengths: lengths, width: width, seed: 63)
        let batch = FrameBatch<Float>(frames: batch64.frames.map { Float($0) }, lengths: lengths, width: width)
        let coefficients = (0..<(lengths.count * 2)).map { _ in Float.random(in: -1...1, using: &g) }
        let configJSON: [String: Any] = [
            "kind": kind.rawValue, "layers": layers, "inputWidth": width, "frontWidth": config.frontWidth,
            "convKernel": config.convKernel, "gruHidden": config.gruHidden, "gruLayers": config.gruLayers,
            "headHidden": config.headHidden, "outputCount": config.outputCount,
        ]
        let request: [String: Any] = [
            "mode": "layermix", "config": configJSON,
            "params": TorchComparisonTests.parameterDictionary(model.parameters, dropPrefix: false),
            "mean": mean.map { Double($0) }, "std": std.map { Double($0) },
            "sequences": TorchComparisonTests.perSequence(batch.frames, lengths: lengths, width: width),
            "coefficients": lengths.indices.map { b in [Double(coefficients[2 * b]), Double(coefficients[2 * b + 1])] },
        ]
        return (model, batch, coefficients, request)
    }

    func assertClose(_ a: [Double], _ b: [Any]?, _ tolerance: Double, _ what: String, line: UInt = #line) {
        let reference = (b as? [Double]) ?? (b as? [NSNumber])?.map(\.doubleValue) ?? []
        XCTAssertEqual(a.count, reference.count, "\(what): size", line: line)
        for (i, (x, y)) in zip(a, reference).enumerated() where abs(x - y) > tolerance * max(1, abs(y)) {
            XCTFail("\(what)[\(i)]: \(x) vs PyTorch \(y)", line: line)
            return
        }
    }

    /// Forward, then backward of Σ coefficients ⊙ outputs, comparing everything PyTorch returned.
    func compare<S: BLASScalar>(
        _ model: SequenceDecoder<S>, _ batch: FrameBatch<S>, _ coefficients: [S], _ response: [String: Any],
        tolerance: Double, _ label: String
    ) {
        var unused = SeededGenerator(seed: 0)
        let outputs = model.forward(batch, training: false, generator: &unused)
        model.zeroGradients()
        let gradInput = model.backward(coefficients, needInputGradient: true)
        let referenceOutputs = response["outputs"] as? [Any] ?? []
        let referenceInputGrads = response["input_grads"] as? [Any] ?? []
        let referenceParamGrads = response["param_grads"] as? [String: Any] ?? [:]
        XCTAssertEqual(referenceOutputs.count, Self.lengths.count, "\(label): PyTorch outputs")
        for b in Self.lengths.indices where b < referenceOutputs.count {
            assertClose(
                [Double(outputs[b * 2]), Double(outputs[b * 2 + 1])], referenceOutputs[b] as? [Any], tolerance,
                "\(label) outputs of utterance \(b)")
        }
        let width = model.config.inputWidth
        for (b, seq) in TorchComparisonTests.perSequence(gradInput, lengths: Self.lengths, width: width).enumerated()
        where b < referenceInputGrads.count {
            assertClose(seq, referenceInputGrads[b] as? [Any], tolerance, "\(label) ∂loss/∂input of utterance \(b)")
        }
        XCTAssertNotNil(referenceParamGrads["layer_mix.weights"], "\(label): PyTorch has the mix weights")
        for p in model.parameters {
            assertClose(
                p.gradient.map { Double($0) }, referenceParamGrads[p.name] as? [Any], tolerance,
                "\(label) ∂loss/∂\(p.name)")
        }
        assertClose(model.layerWeights ?? [], response["softmax"] as? [Any], tolerance, "\(label) layer weights")
    }

    func testLayerMixDecodersMatchPyTorchInFloatAndDouble() throws {
        for kind in DecoderConfig.Kind.allCases {
            let (model, batch, coefficients, _) = Self.fixture(kind)
            let response = try Self.reference.response(kind.rawValue)
            compare(model, batch, coefficients, response, tolerance: floatTolerance, "float \(kind.rawValue)")

            let model64 = SequenceDecoder<Double>(config: model.config, seed: 0)
            for (p64, p) in zip(model64.parameters, model.parameters) { p64.value = p.value.map { Double($0) } }
            model64.setStandardization(model.standardization)
            let batch64 = FrameBatch<Double>(
                frames: batch.frames.map { Double($0) }, lengths: batch.lengths, width: batch.width)
            compare(
                model64, batch64, coefficients.map { Double($0) }, response, tolerance: doubleTolerance,
                "double \(kind.rawValue)")
        }
    }
}
