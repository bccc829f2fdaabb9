import Learn
import Numerics
import XCTest

/// The training loop on small in-memory data: it learns, it is reproducible bit for bit, it stops early
/// and halves the learning rate on a plateau, and a diverging run keeps the best model so far.
final class TrainerTests: XCTestCase {
    /// Utterances of 2–6 frames whose label is the mean over frames of x0 − 0.5·x1 (plus a little noise).
    static func syntheticSet(count: Int, seed: UInt64, width: Int = 6) -> UtteranceSet {
        var g = SeededGenerator(seed: seed)
        var frames = [Float]()
        var offsets = [0]
        var labels = [Float]()
        var spreads = [Float]()
        for _ in 0..<count {
            let length = Int.random(in: 2...6, using: &g)
            var signal = 0.0
            for _ in 0..<length {
                let frame = (0..<width).map { _ in Float.random(in: -1...1, using: &g) }
                signal += Double(frame[0] - 0.5 * frame[1])
                frames += frame
            }
            offsets.append(offsets[offsets.count - 1] + length)
            labels.append(Float(signal / Double(length) + Double.random(in: -0.05...0.05, using: &g)))
            spreads.append(Float(abs(signal) / Double(length)))
        }
        return UtteranceSet(
            width: width, frames: frames, offsets: offsets, labels: labels, spreads: spreads,
            ids: (0..<count).map { "u\($0)" }, targetCount: 1)
    }

    static func smallConfig(outputs: Int = 1) -> DecoderConfig {
        var config = DecoderConfig.tcGRU(inputWidth: 6, outputCount: outputs)
        config.frontWidth = 16
        config.gruHidden = 16
        config.headHidden = 8
        return config
    }

    func train(
        _ config: TrainingConfig, train: UtteranceSet, dev: UtteranceSet, decoder: DecoderConfig = smallConfig()
    ) throws -> TrainingOutcome {
        try Trainer(config: config, decoderConfig: decoder).train(
            train: train, dev: dev, task: .regression, targets: ["y"], selection: Array(0..<6), datasetWidth: 6)
    }

    func testTrainingLearnsAndIsReproducibleBitForBit() throws {
        let trainSet = Self.syntheticSet(count: 400, seed: 1)
        let devSet = Self.syntheticSet(count: 100, seed: 2)
        var config = TrainingConfig()
        config.maxEpochs = 6
        config.batchSize = 32
        config.learningRate = 3e-3
        config.labelVariance = .stdAux
        let decoder = Self.smallConfig(outputs: 2)
        let first = try train(config, train: trainSet, dev: devSet, decoder: decoder)
        let second = try train(config, train: trainSet, dev: devSet, decoder: decoder)
        XCTAssertGreaterThan(first.bestDevMetric, 0.8, "dev CCC after 6 epochs on an easy linear target")
        for (a, b) in zip(first.model.decoder.parameters, second.model.decoder.parameters) {
            XCTAssertEqual(a.value, b.value, "\(a.name) differs between two runs with the same seed")
        }
        XCTAssertEqual(first.history.map(\.trainLoss), second.history.map(\.trainLoss))
        config.seed = 2
        let other = try train(config, train: trainSet, dev: devSet, decoder: decoder)
        XCTAssertNotEqual(
            other.model.decoder.gru.layers[0].weightHH.value, first.model.decoder.gru.layers[0].weightHH.value)
    }

    func testGRUFFLearnsABinaryTargetWithBCEAndSelectsByAUC() throws {
        func binary(_ set: UtteranceSet) -> UtteranceSet {
            var copy = set
            copy.labels = set.labels.map { $0 > 0 ? 1 : 0 }
            copy.spreads = nil
            return copy
        }
        let trainSet = binary(Self.syntheticSet(count: 400, seed: 8))
        let devSet = binary(Self.syntheticSet(count: 100, seed: 9))
        var config = TrainingConfig()
        config.maxEpochs = 8
        config.batchSize = 32
        config.learningRate = 3e-3
        XCTAssertEqual(config.meanLoss(for: .binary), .bce)
        var decoder = DecoderConfig.gruFF(inputWidth: 6, outputCount: 1)
        decoder.headDropout = 0.1
        let outcome = try Trainer(config: config, decoderConfig: decoder).train(
            train: trainSet, dev: devSet, task: .binary, targets: ["y"], selection: Array(0..<6), datasetWidth: 6)
        XCTAssertGreaterThan(outcome.bestDevMetric, 0.85, "dev ROC AUC")
        let probabilities = outcome.model.predict(devSet)
        XCTAssert(probabilities.allSatisfy { $0 > 0 && $0 < 1 }, "binary outputs are sigmoid probabilities")
        let evaluation = Evaluation(
            predictions: probabilities, outputs: 1, set: devSet, targets: ["y"], task: .binary)
        XCTAssertEqual(evaluation.metrics["auc"]?["mean"] ?? 0, outcome.bestDevMetric, accuracy: 1e-12)
    }

    func testPlateauHalvesLearningRateAndPatienceStopsTraining() throws {
        let trainSet = Self.syntheticSet(count: 64, seed: 3)
        var devSet = Self.syntheticSet(count: 20, seed: 4)
        devSet.labels = devSet.labels.map { _ in 0.5 }
        // Constant labels: cov(ŷ, y) is exactly 0, so dev CCC is 0 in every epoch and never improves after the first.
        var config = TrainingConfig()
        config.maxEpochs = 20
        let outcome = try train(config, train: trainSet, dev: devSet)
        XCTAssertEqual(outcome.stopReason, .earlyStopping)
        XCTAssertEqual(outcome.history.map(\.devMetric), [Double](repeating: 0, count: 6))
        XCTAssertEqual(outcome.bestEpoch, 1)
        XCTAssertEqual(outcome.history.count, 1 + TrainingDefaults.earlyStoppingPatience)
        // Halved after every 2 epochs without improvement: after epochs 3 and 5.
        XCTAssertEqual(outcome.history.map(\.learningRate), [1e-3, 1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4])
    }

    func testDivergingRunStopsWithMessageAndKeepsBestWeights() throws {
        var trainSet = Self.syntheticSet(count: 64, seed: 5)
        trainSet.labels[3] = .nan
        let devSet = Self.syntheticSet(count: 20, seed: 6)
        var config = TrainingConfig()
        config.maxEpochs = 3
        let outcome = try train(config, train: trainSet, dev: devSet)
        XCTAssertEqual(outcome.stopReason, .diverged)
        XCTAssertTrue(outcome.message?.contains("diverged") ?? false, outcome.message ?? "no message")
        XCTAssertEqual(outcome.bestEpoch, 0)
        let initial = SequenceDecoder<Float>(config: Self.smallConfig(), seed: config.seed)
        for (a, b) in zip(outcome.model.decoder.parameters, initial.parameters) {
            XCTAssertEqual(a.value, b.value, "\(a.name): the kept model is not the best-so-far (initial) one")
        }
    }

    func testBucketedBatchesCoverEveryUtteranceOnceWithLittlePadding() {
        let set = Self.syntheticSet(count: 1000, seed: 7)
        var config = TrainingConfig()
        config.batchSize = 64
        let trainer = Trainer(config: config, decoderConfig: Self.smallConfig())
        var g = SeededGenerator(seed: 1)
        let batches = trainer.epochBatches(set, &g)
        XCTAssertEqual(batches.flatMap { $0 }.sorted(), Array(0..<1000))
        let padded = batches.reduce(0) { total, batch in
            let longest = batch.map { set.length($0) }.max() ?? 0
            return total + batch.reduce(0) { $0 + longest - set.length($1) }
        }
        XCTAssertLessThan(Double(padded) / Double(set.offsets.last!), 0.05, "bucketing should leave < 5 % padding")
    }
}
