import Foundation
import Learn
import Numerics
import Shards
import TestSupport
import XCTest

/// Training with a layer mix through `TrainingJob`, end to end from shards: on frames of three layers where
/// only the middle one carries the target, the learned softmax weight of that layer must come out the
/// largest, and the weights reach the record and the metrics report; selections that are not L equal
/// layers are refused.
final class LayerMixTrainingTests: XCTestCase {
    static let layers = 3
    static let layerWidth = 4

    /// Utterances of 3–8 frames, `layers` blocks of `layerWidth` columns. Every block has the same
    /// structure (an utterance vector plus frame noise), but only block `signalLayer`'s first two columns
    /// determine the label, y = z0 − 0.5·z1 + a little noise; the other blocks are independent of it.
    static func writeDataset(to directory: URL, signalLayer: Int, utterances: Int = 400, seed: UInt64 = 71) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let width = layers * layerWidth
        let writer = try ShardWriter(
            url: directory.appendingPathComponent("layers-000.h5"), dimension: width,
            metadata: ShardMetadata(encoder: "synthetic layers (test)", task: .regression, targets: ["y"]))
        var g = SeededGenerator(seed: seed)
        for index in 0..<utterances {
            let vector = (0..<width).map { _ in g.gaussian() }
            let base = signalLayer * layerWidth
            let label = vector[base] - 0.5 * vector[base + 1] + 0.1 * g.gaussian()
            let length = Int.random(in: 3...8, using: &g)
            var frames = [Float]()
            for _ in 0..<length { frames += vector.map { Float($0 + 0.3 * g.gaussian()) } }
            let split: Split = index % 10 < 7 ? .train : (index % 10 < 9 ? .dev : .test)
            try writer.append(id: "u\(index)", split: split, frames: frames, labels: [Float(label)])
        }
        try writer.finish()
    }

    func job(_ directory: URL, layers: Int?) -> TrainingJob {
        var config = TrainingConfig()
        config.seed = 3
        config.maxEpochs = 25
        config.batchSize = 16
        config.learningRate = 1e-2
        config.earlyStoppingPatience = 25
        config.plateauPatience = 25
        config.threads = 2
        config.layerMix = layers
        var job = TrainingJob(directory: directory, config: config)
        job.decoder = .gruFF
        job.labelVariance = .off
        job.adjustDecoder = {
            $0.frontWidth = 8
            $0.gruHidden = 8
            $0.headHidden = 8
            $0.headDropout = 0
        }
        return job
    }

    func testTheMixLearnsToWeighTheLayerThatCarriesTheSignalMost() throws {
        // Two placements of the signal, so a mix that favoured a position regardless of the data would fail.
        for signalLayer in [1, 2] {
            try checkMixFinds(signalLayer: signalLayer)
        }
    }

    func checkMixFinds(signalLayer: Int) throws {
        let scratch = try ScratchDirectory("layer-mix")
        defer { scratch.remove() }
        let data = scratch.path("data")
        try Self.writeDataset(to: data, signalLayer: signalLayer)
        var announced = ""
        let record = try job(data, layers: Self.layers).run(announce: { announced = $0 })
        XCTAssert(announced.contains("mix of 3 layers of 4 columns"), announced)
        XCTAssertEqual(record.decoder.layerMix, Self.layers)
        XCTAssertEqual(record.params, record.decoder.parameterCount)
        let weights = try XCTUnwrap(record.layerWeights)
        XCTAssertEqual(weights.count, Self.layers)
        XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-6)
        let largest = weights.indices.max { weights[$0] < weights[$1] }
        XCTAssertEqual(largest, signalLayer, "learned layer weights \(weights)")
        let devCCC = record.metrics.first {
            $0.split == "dev" && $0.condition == "clean" && $0.utterances == nil && $0.target == nil
                && $0.metric == "ccc"
        }?.value
        XCTAssertGreaterThan(devCCC ?? 0, 0.5, "dev CCC of the mixed model")

        let report = try JSONSerialization.jsonObject(with: try MetricsReport(record).json()) as? [String: Any]
        let reported = (report?["layer_weights"] as? [NSNumber])?.map(\.doubleValue)
        XCTAssertEqual(reported?.count, weights.count, "the metrics report carries the layer weights")
        for (a, b) in zip(reported ?? [], weights) { XCTAssertEqual(a, b, accuracy: 1e-12, "reported layer weight") }

        let url = scratch.path("model.h5")
        try record.saveModel(to: url)
        XCTAssertEqual(try Checkpoint.load(from: url).layerWeights, weights)
    }

    func testAReportWithoutAMixHasNoLayerWeightsKey() throws {
        let report = MetricsReport(
            decoder: "gru-ff", labelVariance: "off", seed: 1, selectionSize: 4, datasetWidth: 4, params: 10,
            paramsRatio: 1, secondsToBest: 1, secondsTotal: 1, bestEpoch: 1, epochsTrained: 1,
            stopReason: "max-epochs", message: nil, metrics: [], history: [])
        let text = String(decoding: try report.json(), as: UTF8.self)
        XCTAssertFalse(text.contains("layer_weights"), text)
    }

    func testSelectionsThatAreNotLEqualLayersAreRefused() throws {
        // Known selection: refused before any frame is read (the directory does not even exist).
        var early = job(URL(fileURLWithPath: "/nonexistent/layer-mix-data"), layers: 3)
        early.selection = Array(0..<10)
        XCTAssertThrowsError(try early.run()) {
            XCTAssertEqual($0 as? LearnError, .badLayerMix(layers: 3, columns: 10))
        }

        let scratch = try ScratchDirectory("layer-mix")
        defer { scratch.remove() }
        let data = scratch.path("data")
        try Self.writeDataset(to: data, signalLayer: 1, utterances: 30)
        // All 12 columns of the dataset in 5 layers.
        XCTAssertThrowsError(try job(data, layers: 5).run()) {
            XCTAssertEqual($0 as? LearnError, .badLayerMix(layers: 5, columns: 12))
        }
        // After an input transform there are no layers to weigh.
        var projected = job(data, layers: 3)
        projected.transform = TrainingJob.InputTransform(width: 3, weightCount: 0) { frames, rows in
            Array(frames.prefix(rows * 3))
        }
        XCTAssertThrowsError(try projected.run()) { error in
            guard case .invalidSetting(let sentence) = error as? LearnError else {
                return XCTFail("\(error)")
            }
            XCTAssert(sentence.contains("transform"), sentence)
        }
    }
}
