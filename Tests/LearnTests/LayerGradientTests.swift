import Learn
import Numerics
import XCTest

/// Every layer's parameter and input gradients against central finite differences in Double, with
/// variable-length batches whose padding must get zero gradient and change nothing.
final class LayerGradientTests: XCTestCase {
    let lengths = [4, 2, 5, 1]

    func testLinearWithBiasMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 1)
        let layer = Linear<Double>(name: "fc", input: 5, output: 3, generator: &g)
        let x = (0..<(6 * 5)).map { _ in Double.random(in: -1...1, using: &g) }
        GradientCheck.verify(
            parameters: layer.parameters, input: x,
            forward: { layer.forward($0, rows: 6) }, backward: { layer.backward($0) })
    }

    func testLinearWithoutBiasMatchesFiniteDifferences() {
        var g = SeededGenerator(seed: 2)
        let layer = Linear<Double>(name: "proj", input: 4, output: 7, bias: false, generator: &g)
        XCTAssertNil(layer.bias)
        let x = (0..<(3 * 4)).map { _ in Double.random(in: -1...1, using: &g) }
        GradientCheck.verify(
            parameters: layer.parameters, input: x,
            forward: { layer.forward($0, rows: 3) }, backward: { layer.backward($0) })
    }

    func testConv1dMatchesFiniteDifferencesAndIgnoresPadding() {
        var g = SeededGenerator(seed: 3)
        let layer = Conv1d<Double>(name: "conv", input: 3, output: 4, kernel: 3, generator: &g)
        let batch = GradientCheck.randomBatch(lengths: lengths, width: 3, seed: 4)
        GradientCheck.verify(
            parameters: layer.parameters, input: batch.frames, isPadding: GradientCheck.paddingPredicate(batch),
            forward: { layer.forward(FrameBatch(frames: $0, lengths: batch.lengths, width: 3)).frames },
            backward: { layer.backward($0) })
    }

    func testTwoLayerGRUMatchesFiniteDifferencesAndIgnoresPadding() {
        var g = SeededGenerator(seed: 5)
        let gru = GRU<Double>(name: "gru", input: 3, hidden: 4, layers: 2, generator: &g)
        let batch = GradientCheck.randomBatch(lengths: lengths, width: 3, seed: 6)
        GradientCheck.verify(
            parameters: gru.parameters, input: batch.frames, isPadding: GradientCheck.paddingPredicate(batch),
            forward: { gru.forward(FrameBatch(frames: $0, lengths: batch.lengths, width: 3)).frames },
            backward: { gru.backward($0) })
    }

    func testReLUAndDropoutMatchFiniteDifferences() {
        var g = SeededGenerator(seed: 8)
        let x = (0..<40).map { _ in Double.random(in: -1...1, using: &g) }
        let relu = ReLU<Double>()
        GradientCheck.verify(parameters: [], input: x, forward: { relu.forward($0) }, backward: { relu.backward($0) })
        let dropout = Dropout<Double>(probability: 0.3)
        var kept = 0
        GradientCheck.verify(
            parameters: [], input: x,
            forward: {
                var mask = SeededGenerator(seed: 9)  // the same mask on every call
                let y = dropout.forward($0, training: true, generator: &mask)
                kept = y.filter { $0 != 0 }.count
                return y
            }, backward: { dropout.backward($0) })
        XCTAssert(kept > 10 && kept < 40, "dropout kept \(kept) of 40")
    }

    func testPoolingMatchesFiniteDifferencesAndIgnoresPadding() {
        for kind in [PoolingKind.last, .mean] {
            let pooling = SequencePooling<Double>(kind: kind)
            let batch = GradientCheck.randomBatch(lengths: lengths, width: 3, seed: 10)
            GradientCheck.verify(
                parameters: [], input: batch.frames, isPadding: GradientCheck.paddingPredicate(batch),
                forward: { pooling.forward(FrameBatch(frames: $0, lengths: batch.lengths, width: 3)) },
                backward: { pooling.backward($0) })
        }
    }

    func testDecodersMatchFiniteDifferencesDownToRawInputs() {
        for kind in DecoderConfig.Kind.allCases {
            var config = DecoderConfig.preset(kind, inputWidth: 5, outputCount: 2)
            config.frontWidth = 4
            config.gruHidden = 3
            config.headHidden = 4
            let decoder = SequenceDecoder<Double>(config: config, seed: 11)
            decoder.setStandardization(Standardization(mean: [0.1, -0.2, 0.3, 0, 0.5], std: [1, 2, 0.5, 1.5, 1]))
            let batch = GradientCheck.randomBatch(lengths: lengths, width: 5, seed: 12)
            GradientCheck.verify(
                parameters: decoder.parameters, input: batch.frames, isPadding: GradientCheck.paddingPredicate(batch),
                samplesPerTensor: 12,
                forward: {
                    var mask = SeededGenerator(seed: 13)
                    return decoder.forward(
                        FrameBatch(frames: $0, lengths: batch.lengths, width: 5), training: true, generator: &mask)
                }, backward: { decoder.backward($0, needInputGradient: true) })
            XCTAssertEqual(decoder.parameterCount, config.parameterCount, "\(kind) parameter count formula")
        }
    }

    /// Attribution's backward skips the weight GEMMs: its input gradient must be the full backward's to the
    /// bit, and no parameter gradient may be touched (a skipped GEMM that still wrote would show here).
    func testInputGradientsWithoutParameterGradientsEqualTheFullBackwardAndLeaveParametersAlone() {
        for kind in DecoderConfig.Kind.allCases {
            var config = DecoderConfig.preset(kind, inputWidth: 5, outputCount: 2)
            config.frontWidth = 4
            config.gruHidden = 3
            config.headHidden = 4
            let decoder = SequenceDecoder<Float>(config: config, seed: 11)
            let batch = GradientCheck.randomBatch(lengths: lengths, width: 5, seed: 12)
            let single = FrameBatch(frames: batch.frames.map { Float($0) }, lengths: batch.lengths, width: 5)
            var unused = SeededGenerator(seed: 0)
            let outputs = decoder.forward(single, training: false, generator: &unused)
            let seed = outputs.indices.map { Float($0 % 3) - 0.5 }
            let full = decoder.backward(seed, needInputGradient: true)
            XCTAssertTrue(decoder.parameters.contains { $0.gradient.contains { $0 != 0 } }, "\(kind): full backward")
            decoder.zeroGradients()
            _ = decoder.forward(single, training: false, generator: &unused)
            let inputOnly = decoder.backward(seed, needInputGradient: true, parameterGradients: false)
            XCTAssertEqual(inputOnly, full, "\(kind): input gradient")
            XCTAssertTrue(full.contains { $0 != 0 }, "\(kind): a non-trivial gradient")
            for parameter in decoder.parameters where parameter.gradient.contains(where: { $0 != 0 }) {
                XCTFail("\(kind): \(parameter.name) got a gradient without parameterGradients")
            }
        }
    }

    /// Integrated Gradients interpolates at the front's output and maps the summed gradient back once
    /// (`IntegratedGradients+Front`). That rests on three facts, checked here in Double for both kinds, with
    /// and without a layer mix: the front is affine (A(y + a(x − y)) = A(y) + a(A(x) − A(y))),
    /// `inputGradient(fromFront:)` is its transpose (the dot-product test ⟨A(x) − A(y), g⟩ = ⟨x − y, Aᵀg⟩),
    /// and `frontGradient` followed by it is the whole backward, to the bit.
    func testTheFrontIsAffineItsTransposeMapsGradientsBackAndTheChainIsTheBackward() {
        for kind in DecoderConfig.Kind.allCases {
            for mix in [nil, 2] as [Int?] {
                let width = 6
                var config = DecoderConfig.preset(kind, inputWidth: width, outputCount: 2)
                config.frontWidth = 4
                config.gruHidden = 3
                config.headHidden = 4
                config.layerMix = mix
                let name = "\(kind), layer mix \(mix ?? 0)"
                let decoder = SequenceDecoder<Double>(config: config, seed: 21)
                decoder.layerMix?.weights.value = [0.4, -0.7]
                decoder.setStandardization(
                    Standardization(mean: [0.1, -0.2, 0.3, 0, 0.5, -1], std: [1, 2, 0.5, 1.5, 1, 0.25]))
                let x = GradientCheck.randomBatch(lengths: lengths, width: width, seed: 22)
                let y = GradientCheck.randomBatch(lengths: lengths, width: width, seed: 23)
                let ax = decoder.frontOutput(x).frames
                let ay = decoder.frontOutput(y).frames
                let a = 0.3
                let between = FrameBatch(
                    frames: zip(x.frames, y.frames).map { $1 + a * ($0 - $1) }, lengths: lengths, width: width)
                let aBetween = decoder.frontOutput(between).frames
                let affine = zip(aBetween, zip(ax, ay)).map { abs($0 - ($1.1 + a * ($1.0 - $1.1))) }.max() ?? 1
                XCTAssertLessThan(affine, 1e-12, "\(name): front affine along the path")

                var generator = SeededGenerator(seed: 24)
                let g = ax.map { _ in Double.random(in: -1...1, using: &generator) }
                let back = decoder.inputGradient(fromFront: g, lengths: lengths, steps: x.steps)
                XCTAssertEqual(back.count, x.frames.count)
                let left = zip(zip(ax, ay), g).map { ($0.0 - $0.1) * $1 }.reduce(0, +)
                let right = zip(zip(x.frames, y.frames), back).map { ($0.0 - $0.1) * $1 }.reduce(0, +)
                XCTAssertEqual(left, right, accuracy: 1e-10 * max(1, abs(left)), "\(name): transpose")
                XCTAssertTrue(back.contains { $0 != 0 }, "\(name): a non-trivial transpose")

                var unused = SeededGenerator(seed: 0)
                let outputs = decoder.forward(x, training: false, generator: &unused)
                let seed = outputs.indices.map { Double($0 % 3) - 0.5 }
                let whole = decoder.backward(seed, needInputGradient: true, parameterGradients: false)
                _ = decoder.forward(x, training: false, generator: &unused)
                let chained = decoder.inputGradient(
                    fromFront: decoder.frontGradient(seed), lengths: lengths, steps: x.steps)
                XCTAssertEqual(chained, whole, "\(name): front gradient then transpose")
            }
        }
    }
}
