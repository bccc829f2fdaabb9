import Foundation
import Learn
import Numerics
import XCTest

@testable import Attribution

/// Integrated Gradients on a decoder with a layer mix, unchanged: it differentiates the model with respect
/// to the raw L·D frame, so it attributes to every (layer, dimension) column, completeness holds, and a layer
/// the mix gives (almost) no weight gets (almost) no attribution.
final class LayerMixAttributionTests: XCTestCase {
    func testAttributionsCoverEveryLayerAndSkipALayerTheMixIgnores() throws {
        let layers = 3
        let layerWidth = 3
        let width = layers * layerWidth
        var config = DecoderConfig.tcGRU(inputWidth: width, outputCount: 2)
        config.layerMix = layers
        config.frontWidth = 6
        config.gruHidden = 5
        config.headHidden = 4
        let decoder = SequenceDecoder<Float>(config: config, seed: 81)
        // softmax weight of layer 0 ≈ e^-30: the mix ignores it; layers 1 and 2 share the rest.
        decoder.layerMix!.weights.value = [-30, 0.3, 0.8]
        var generator = SplitMix64(state: 82)
        decoder.setStandardization(
            Standardization(
                mean: (0..<width).map { _ in Float.random(in: -0.5...0.5, using: &generator) },
                std: (0..<width).map { _ in Float.random(in: 0.5...2, using: &generator) }))
        let model = TrainedModel(
            decoder: decoder, task: .regression, targets: ["a", "b"], labelVariance: .off,
            selection: Array(0..<width), datasetWidth: width)
        let utterances = randomUtterances(count: 4, width: width, lengths: 2...6, generator: &generator)
        let results = try IntegratedGradients(steps: 50, method: .gaussLegendre).attribute(utterances, model: model)
        for (u, result) in results.enumerated() {
            for j in 0..<2 {
                let attributions = result.frameAttributions[j].map { Double($0) }
                XCTAssertEqual(attributions.count, utterances[u].count, "one attribution per (frame, layer, dim)")
                var perLayer = [Double](repeating: 0, count: layers)
                for (i, value) in attributions.enumerated() { perLayer[(i % width) / layerWidth] += abs(value) }
                XCTAssertLessThan(perLayer[0], 1e-6 * (perLayer[1] + perLayer[2]), "u\(u) j\(j): \(perLayer)")
                XCTAssertGreaterThan(perLayer[1], 0, "u\(u) j\(j)")
                XCTAssertGreaterThan(perLayer[2], 0, "u\(u) j\(j)")
                XCTAssertEqual(result.completenessDelta[j], 0, accuracy: 1e-4, "u\(u) j\(j) completeness")
            }
        }
    }
}
