import Foundation
import Saliency
import Scoring
import Shards
import TestSupport
import XCTest

/// Bootstrap selection probabilities on a synthetic dataset whose relevant dimensions are known: the
/// linearly planted dimensions (those CCS can see) are selected in nearly every replicate, and the noise
/// dimensions share the rest of the top k about evenly, near (k − planted)/(D − planted) each.
final class ScoresJobBootstrapTests: XCTestCase {
    func testPlantedDimensionsAreSelectedInNearlyEveryReplicateAndNoiseNearChance() throws {
        let scratch = try ScratchDirectory("bootstrap-truth")
        defer { scratch.remove() }
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 900
        configuration.dimension = 48
        configuration.relevantDimensions = 6
        let dataset = try SyntheticDataset(configuration: configuration)
        try dataset.write(to: scratch.url)
        var settings = ScoresSettings(methods: [.ccs])
        settings.bootstrap = BootstrapSettings(replicates: 100, seed: 3)
        let result = try ScoresJob(directory: scratch.url, settings: settings).run()
        let replicates = try XCTUnwrap(result.replicates.first)
        let planted = dataset.linearDimensions
        XCTAssertFalse(planted.isEmpty)
        let k = 16
        let probability = try replicates.selectionProbabilities(.top(k))
        for dimension in planted {
            XCTAssertGreaterThanOrEqual(probability[dimension], 0.95, "planted dimension \(dimension)")
        }
        let noise = probability.indices.filter { !dataset.relevantDimensions.contains($0) }
        let chance = Double(k - planted.count) / Double(configuration.dimension - planted.count)
        let noiseMean = noise.reduce(0.0) { $0 + probability[$1] } / Double(noise.count)
        // The non-linear planted dimensions (invisible to CCS) count as noise here: within 0.05 of chance.
        XCTAssertEqual(noiseMean, chance, accuracy: 0.05)
        XCTAssertLessThan(noise.map { probability[$0] }.max() ?? 1, 0.9, "no noise dimension is reliably selected")
        let stability = try SelectionStability(selections: try replicates.selections(.top(planted.count)))
        XCTAssertGreaterThan(stability.lower, 0.8, "selecting exactly the planted dimensions is stable")
    }
}
