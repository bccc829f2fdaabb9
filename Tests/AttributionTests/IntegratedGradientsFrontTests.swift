import Attribution
import Foundation
import Learn
import Numerics
import Shards
import XCTest

/// Learn's decoders are attributed through their affine front (`IntegratedGradients+Front`): the front runs
/// on each utterance and its baseline once, the points are formed at the front's output, and the summed
/// gradient goes back through the front once. Against the per-point chain (the same model seen only as an
/// `AttributableModel`), over both decoder kinds, a layer mix, both rules, a non-zero baseline and batches
/// that cut an utterance's points apart.
final class IntegratedGradientsFrontTests: XCTestCase {
    /// The same model with only `AttributableModel`'s view: Integrated Gradients must take the per-point path.
    final class PointwiseView: AttributableModel {
        let model: TrainedModel
        init(_ model: TrainedModel) { self.model = model }
        var inputWidth: Int { model.inputWidth }
        var outputCount: Int { model.outputCount }
        func outputs(for batch: FrameBatch<Float>) throws -> [Float] { try model.outputs(for: batch) }
        func inputGradients(for batch: FrameBatch<Float>, output j: Int) throws -> [Float] {
            try model.inputGradients(for: batch, output: j)
        }
        func inputGradients(for batch: FrameBatch<Float>, outputs: [Int]) throws -> [[Float]] {
            try model.inputGradients(for: batch, outputs: outputs)
        }
    }

    /// The model as an `AffineFrontModel` that counts the rows each stage sees.
    final class CountingFront: AffineFrontModel {
        let model: TrainedModel
        private(set) var frontRows = 0
        private(set) var pointRows = 0
        private(set) var transposeRows = 0
        init(_ model: TrainedModel) { self.model = model }
        var inputWidth: Int { model.inputWidth }
        var outputCount: Int { model.outputCount }
        var frontWidth: Int { model.frontWidth }
        func outputs(for batch: FrameBatch<Float>) throws -> [Float] { try model.outputs(for: batch) }
        func inputGradients(for batch: FrameBatch<Float>, output j: Int) throws -> [Float] {
            XCTFail("the per-point input gradient was asked for")
            return try model.inputGradients(for: batch, output: j)
        }
        func front(of batch: FrameBatch<Float>) throws -> [Float] {
            frontRows += batch.batchSize
            return try model.front(of: batch)
        }
        func outputsAndFrontGradients(front: FrameBatch<Float>, outputs: [Int]) throws -> (
            outputs: [Float], gradients: [[Float]]
        ) {
            if !outputs.isEmpty { pointRows += front.batchSize }
            return try model.outputsAndFrontGradients(front: front, outputs: outputs)
        }
        func inputGradient(fromFront gradient: FrameBatch<Float>) throws -> [Float] {
            transposeRows += gradient.batchSize
            return try model.inputGradient(fromFront: gradient)
        }
    }

    static func model(_ kind: DecoderConfig.Kind, task: TaskKind, layerMix: Int?, seed: UInt64) -> TrainedModel {
        let width = 6
        var config = DecoderConfig.preset(kind, inputWidth: width, outputCount: 2)
        config.frontWidth = 5
        config.gruHidden = 7
        config.headHidden = 6
        config.gruLayers = 2
        config.layerMix = layerMix
        let decoder = SequenceDecoder<Float>(config: config, seed: seed)
        decoder.layerMix?.weights.value = [0.6, -0.4]
        var generator = SplitMix64(state: seed + 1)
        decoder.setStandardization(
            Standardization(
                mean: (0..<width).map { _ in Float.random(in: -0.5...0.5, using: &generator) },
                std: (0..<width).map { _ in Float.random(in: 0.5...2, using: &generator) }))
        return TrainedModel(
            decoder: decoder, task: task, targets: ["a", "b"], labelVariance: .off, selection: Array(0..<width),
            datasetWidth: width)
    }

    func testThroughTheFrontEqualsThePerPointChain() throws {
        var generator = SplitMix64(state: 90)
        let width = 6
        let utterances = randomUtterances(count: 5, width: width, lengths: 1...9, generator: &generator)
        let cases: [(DecoderConfig.Kind, TaskKind, Int?, IntegrationMethod, Baseline)] = [
            (.tcGRU, .regression, nil, .gaussLegendre, .zero),
            (.tcGRU, .binary, 2, .riemannRight, .vector([0.3, -0.2, 0.1, 0.5, -0.4, 0.05])),
            (.gruFF, .regression, nil, .riemannRight, .zero),
            (.gruFF, .binary, 2, .gaussLegendre, .vector([-0.1, 0.2, 0.4, -0.3, 0, 0.25])),
        ]
        for (index, (kind, task, mix, method, baseline)) in cases.enumerated() {
            let model = Self.model(kind, task: task, layerMix: mix, seed: 91 + UInt64(index))
            let name = "\(kind) \(task) mix \(mix ?? 0) \(method)"
            // Whole batches, and batches so small that an utterance's points are cut over several.
            for maxBatchFloats in [1 << 20, 40] {
                let ig = IntegratedGradients(
                    steps: 9, method: method, baseline: baseline, maxBatchFloats: maxBatchFloats)
                let pointwise = try ig.attribute(utterances, model: PointwiseView(model))
                let counting = CountingFront(model)
                let front = try ig.attribute(utterances, model: counting)
                XCTAssertEqual(
                    counting.frontRows, 2 * utterances.count, "\(name): the front once per utterance and baseline")
                XCTAssertEqual(counting.pointRows, 9 * utterances.count, "\(name): every point past the front")
                XCTAssertEqual(
                    counting.transposeRows, 2 * utterances.count, "\(name): Aᵀ once per utterance and output")
                for (u, (a, b)) in zip(front, pointwise).enumerated() {
                    XCTAssertEqual(a.outputAtInput, b.outputAtInput, "\(name) u\(u): F(x)")
                    XCTAssertEqual(a.outputAtBaseline, b.outputAtBaseline, "\(name) u\(u): F(b)")
                    for j in 0..<2 {
                        let reference = b.frameAttributions[j]
                        let scale = Double(reference.map { abs($0) }.max() ?? 0)
                        XCTAssertGreaterThan(scale, 0, "\(name) u\(u): a non-trivial attribution")
                        let worst = zip(a.frameAttributions[j], reference).map { Double(abs($0 - $1)) }.max() ?? 0
                        XCTAssertLessThan(
                            worst, 1e-5 * scale + 1e-7, "\(name) u\(u) output \(j), batch \(maxBatchFloats)")
                    }
                }
            }
        }
    }
}
