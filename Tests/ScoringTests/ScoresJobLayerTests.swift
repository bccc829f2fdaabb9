import Foundation
import Saliency
import Scoring
import Shards
import TestSupport
import XCTest

/// `salience scores` over a layered dataset: one pass over every layer gives each layer's scores and PCA
/// exactly as a run over that layer alone, and the layer holding the planted dimensions ranks first.
final class ScoresJobLayerTests: XCTestCase {
    func testOnePassOverEveryLayerEqualsEachLayerAlone() throws {
        let scratch = try ScratchDirectory("scores-layers")
        defer { scratch.remove() }
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 400
        configuration.dimension = 16
        configuration.relevantDimensions = 6
        configuration.layers = 3
        configuration.relevantLayers = [1]
        try SyntheticDataset(configuration: configuration).write(to: scratch.url)
        let methods: [ScoreMethod] = [.ccs, .mis, .misHist, .pca]
        let all = try ScoresJob(directory: scratch.url, settings: ScoresSettings(methods: methods)).run()
        XCTAssertEqual(all.dimension, 48)
        XCTAssertEqual(all.layers, [0, 1, 2].map { LayerWidth(layer: $0, dimension: 16) })
        XCTAssertNil(all.pca, "no (L·D)² covariance for a layered dataset")
        XCTAssertEqual(all.layerPCA.count, 3)
        for layer in 0..<3 {
            var settings = ScoresSettings(methods: methods)
            settings.layers = [layer]
            let alone = try ScoresJob(directory: scratch.url, settings: settings).run()
            XCTAssertEqual(alone.dimension, 16)
            let columns = (layer * 16)..<((layer + 1) * 16)
            for (together, single) in zip(all.scores, alone.scores) {
                XCTAssertEqual(together.method, single.method)
                // mis-hist's edges come from the merged ranges, per column: the same alone or together.
                for (a, b) in zip(together.mean[columns], single.mean) {
                    XCTAssertEqual(a, b, accuracy: 1e-12, "\(together.method) layer \(layer)")
                }
            }
            let pca = try XCTUnwrap(alone.pca, "one layer: the ordinary PCA")
            XCTAssertEqual(all.layerPCA[layer].eigenvalues.count, 16)
            for (a, b) in zip(all.layerPCA[layer].eigenvalues, pca.eigenvalues) {
                XCTAssertEqual(a, b, accuracy: 1e-9 * max(1, abs(b)))
            }
            for (a, b) in zip(all.layerPCA[layer].mean, pca.mean) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        }
        // The planted layer has the highest CCS among its top dimensions.
        let ccs = all.scores[0].mean
        let top = (0..<3).map { layer -> Double in
            let slice = ccs[(layer * 16)..<((layer + 1) * 16)].sorted(by: >)
            return slice.prefix(2).reduce(0, +)
        }
        XCTAssertEqual(top.indices.max { top[$0] < top[$1] }, 1, "\(top)")
    }
}
