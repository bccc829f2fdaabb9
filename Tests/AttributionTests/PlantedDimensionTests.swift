import Attribution
import Foundation
import Learn
import Numerics
import XCTest

/// Method B end to end on synthetic data: a decoder trained on every dimension, attributed with IG, must
/// rely most on the dimensions the label was built from.
final class PlantedDimensionTests: XCTestCase {
    func testPlantedDimensionsReceiveTheLargestMeanAbsoluteAttribution() throws {
        let width = 10
        let planted = [1, 4, 7]
        var generator = SplitMix64(state: 40)
        func makeSet(_ count: Int) -> UtteranceSet {
            var frames: [Float] = []
            var offsets = [0]
            var labels: [Float] = []
            for _ in 0..<count {
                let length = Int.random(in: 3...8, using: &generator)
                var signal = 0.0
                for _ in 0..<length {
                    let frame = (0..<width).map { _ in Float.random(in: -1...1, using: &generator) }
                    signal += Double(frame[1] + frame[4] - frame[7])
                    frames += frame
                }
                offsets.append(offsets.last! + length)
                labels.append(Float(signal / Double(length)))
            }
            return UtteranceSet(
                width: width, frames: frames, offsets: offsets, labels: labels, spreads: nil,
                ids: (0..<count).map { "u\($0)" }, targetCount: 1)
        }
        let train = makeSet(400)
        let dev = makeSet(100)
        var decoder = DecoderConfig.gruFF(inputWidth: width, outputCount: 1)
        decoder.frontWidth = 16
        decoder.gruHidden = 16
        decoder.headHidden = 16
        decoder.headDropout = 0
        var training = TrainingConfig()
        training.maxEpochs = 25
        training.batchSize = 32
        training.seed = 41
        let outcome = try Trainer(config: training, decoderConfig: decoder).train(
            train: train, dev: dev, task: .regression, targets: ["y"], selection: Array(0..<width),
            datasetWidth: width)
        XCTAssertGreaterThan(outcome.bestDevMetric, 0.5, "the decoder must learn the planted signal (dev CCC)")

        let utterances = (0..<200).map { i in
            Array(train.frames[train.offsets[i] * width..<train.offsets[i + 1] * width])
        }
        var pass = try AttributionPass(method: IntegratedGradients(steps: 20), replicas: [outcome.model])
        try pass.add(utterances)
        let scores = pass.statistics.meanAbsolute
        let ranked = scores.indices.sorted { scores[$0] > scores[$1] }
        XCTAssertEqual(Set(ranked.prefix(planted.count)), Set(planted), "scores \(scores)")
    }
}
