import Foundation
import Learn
import Numerics
import XCTest

/// The layer mix (SUPERB's softmax-weighted sum of layers) on its own and inside both decoders: gradients
/// against finite differences down to the raw L·D frames, the configuration's encoding (no key without a mix),
/// its refusal of widths that are not L equal layers, and the parameter count.
final class LayerMixTests: XCTestCase {
    let lengths = [4, 2, 5, 1]

    func testLayerMixMatchesFiniteDifferences() {
        let mix = LayerMix<Double>(layers: 3, width: 4)
        mix.weights.value = [0.3, -0.8, 1.2]
        var g = SeededGenerator(seed: 51)
        let x = (0..<(5 * 12)).map { _ in Double.random(in: -1...1, using: &g) }
        GradientCheck.verify(
            parameters: mix.parameters, input: x, forward: { mix.forward($0, rows: 5) },
            backward: { mix.backward($0) })
    }

    func testLayerMixIsTheSoftmaxWeightedSumOfTheLayers() {
        let mix = LayerMix<Double>(layers: 2, width: 3)
        XCTAssertEqual(mix.softmax, [0.5, 0.5], "zero weights mix the layers uniformly, as s3prl starts")
        mix.weights.value = [0, log(3)]
        let y = mix.forward([1, 2, 3, 10, 20, 30], rows: 1)
        for (a, b) in zip(y, [0.25 * 1 + 0.75 * 10, 0.25 * 2 + 0.75 * 20, 0.25 * 3 + 0.75 * 30]) {
            XCTAssertEqual(a, b, accuracy: 1e-12)
        }
    }

    func smallConfig(_ kind: DecoderConfig.Kind, layers: Int, layerWidth: Int) -> DecoderConfig {
        var config = DecoderConfig.preset(kind, inputWidth: layers * layerWidth, outputCount: 2)
        config.layerMix = layers
        config.frontWidth = 4
        config.gruHidden = 3
        config.headHidden = 4
        return config
    }

    func testDecodersWithLayerMixMatchFiniteDifferencesDownToRawInputs() {
        for kind in DecoderConfig.Kind.allCases {
            let config = smallConfig(kind, layers: 3, layerWidth: 2)
            let decoder = SequenceDecoder<Double>(config: config, seed: 52)
            decoder.layerMix!.weights.value = [-0.4, 0.9, 0.2]
            decoder.setStandardization(
                Standardization(mean: [0.1, -0.2, 0.3, 0, 0.5, -0.1], std: [1, 2, 0.5, 1.5, 1, 0.8]))
            let batch = GradientCheck.randomBatch(lengths: lengths, width: 6, seed: 53)
            XCTAssertEqual(decoder.parameters.first?.name, "layer_mix.weights")
            GradientCheck.verify(
                parameters: decoder.parameters, input: batch.frames, isPadding: GradientCheck.paddingPredicate(batch),
                samplesPerTensor: 12,
                forward: {
                    var mask = SeededGenerator(seed: 54)
                    return decoder.forward(
                        FrameBatch(frames: $0, lengths: batch.lengths, width: 6), training: true, generator: &mask)
                }, backward: { decoder.backward($0, needInputGradient: true) })
            XCTAssertEqual(decoder.parameterCount, config.parameterCount, "\(kind) parameter count formula")
        }
    }

    func testParameterCountIsTheLayerDecoderPlusOneWeightPerLayer() {
        for kind in DecoderConfig.Kind.allCases {
            var mixed = DecoderConfig.preset(kind, inputWidth: 13 * 8, outputCount: 2)
            mixed.layerMix = 13
            let single = DecoderConfig.preset(kind, inputWidth: 8, outputCount: 2)
            XCTAssertEqual(mixed.frontInputWidth, 8)
            XCTAssertEqual(mixed.parameterCount, single.parameterCount + 13, "\(kind)")
            XCTAssertEqual(SequenceDecoder<Float>(config: mixed, seed: 1).parameterCount, mixed.parameterCount)
        }
    }

    func testIdenticalLayersGiveTheOutputsOfTheDecoderWithoutMix() {
        // Every layer the same frame: any convex mix is that frame, so the outputs are the plain decoder's.
        for kind in DecoderConfig.Kind.allCases {
            let config = smallConfig(kind, layers: 3, layerWidth: 2)
            let mixed = SequenceDecoder<Double>(config: config, seed: 55)
            mixed.layerMix!.weights.value = [1.5, -0.3, 0.1]
            var plainConfig = config
            plainConfig.layerMix = nil
            plainConfig.inputWidth = 2
            let plain = SequenceDecoder<Double>(config: plainConfig, seed: 0)
            for (target, source) in zip(plain.parameters, mixed.parameters.dropFirst()) { target.value = source.value }
            let single = GradientCheck.randomBatch(lengths: lengths, width: 2, seed: 56)
            var tripled = [Double]()
            for row in 0..<(single.frames.count / 2) {
                let frame = single.frames[(row * 2)..<(row * 2 + 2)]
                tripled += frame + frame + frame
            }
            var unused = SeededGenerator(seed: 0)
            let a = mixed.forward(
                FrameBatch(frames: tripled, lengths: lengths, width: 6), training: false, generator: &unused)
            let b = plain.forward(single, training: false, generator: &unused)
            for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-12, "\(kind)") }
        }
    }

    func testLayerWeightsStartUniformAndAreAbsentWithoutAMix() {
        let mixed = SequenceDecoder<Float>(config: smallConfig(.tcGRU, layers: 4, layerWidth: 2), seed: 3)
        XCTAssertEqual(mixed.layerWeights, [0.25, 0.25, 0.25, 0.25])
        let plain = SequenceDecoder<Float>(config: .gruFF(inputWidth: 8, outputCount: 1), seed: 3)
        XCTAssertNil(plain.layerWeights)
        XCTAssertFalse(plain.parameters.contains { $0.name.hasPrefix("layer_mix") })
    }

    func testConfigWithoutMixEncodesWithoutTheKeyAndOldJSONDecodes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let plain = DecoderConfig.tcGRU(inputWidth: 12, outputCount: 2)
        let text = String(decoding: try encoder.encode(plain), as: UTF8.self)
        XCTAssertFalse(text.contains("layerMix"), text)
        // A configuration as files written before the layer mix hold it.
        let old = """
            {"convKernel":3,"frontDropout":0.2,"frontWidth":256,"gruHidden":256,"gruLayers":2,"headDropout":0,\
            "headHidden":128,"inputWidth":12,"kind":"tc-gru","outputCount":2,"pooling":"last"}
            """
        XCTAssertEqual(text, old, "a configuration without a mix encodes exactly as before")
        let decoded = try JSONDecoder().decode(DecoderConfig.self, from: Data(old.utf8))
        XCTAssertNil(decoded.layerMix)
        XCTAssertEqual(decoded, plain)
        var mixed = plain
        mixed.layerMix = 3
        let mixedText = String(decoding: try encoder.encode(mixed), as: UTF8.self)
        XCTAssert(mixedText.contains("\"layerMix\":3"), mixedText)
        XCTAssertEqual(try JSONDecoder().decode(DecoderConfig.self, from: Data(mixedText.utf8)), mixed)
    }

    func testWidthThatIsNotLEqualLayersIsRefused() throws {
        var config = DecoderConfig.gruFF(inputWidth: 10, outputCount: 1)
        config.layerMix = 3
        XCTAssertThrowsError(try config.validateLayerMix()) { error in
            XCTAssertEqual(error as? LearnError, .badLayerMix(layers: 3, columns: 10))
            XCTAssert("\(error)".contains("3 layers") && "\(error)".contains("10 columns"), "\(error)")
        }
        config.layerMix = 0
        XCTAssertThrowsError(try config.validateLayerMix()) {
            XCTAssertEqual($0 as? LearnError, .badLayerMix(layers: 0, columns: 10))
        }
        config.layerMix = 5
        XCTAssertNoThrow(try config.validateLayerMix())
        config.layerMix = 4
        let set = TrainerTests.syntheticSet(count: 8, seed: 57, width: 10)
        XCTAssertThrowsError(
            try Trainer(config: TrainingConfig(), decoderConfig: config).train(
                train: set, dev: set, task: .regression, targets: ["y"], selection: Array(0..<10), datasetWidth: 10)
        ) { XCTAssertEqual($0 as? LearnError, .badLayerMix(layers: 4, columns: 10)) }
    }
}
