import Foundation
import Learn
import Numerics
import TestSupport
import XCTest

/// Training with each label-variance mode: it learns the consensus, never produces a NaN loss (also with
/// utterances that have one rating or none), a set without rater spread is refused naming the fields, and a
/// saved model with a fitted head (nll's floor, distribution's bins) predicts the same numbers after loading.
final class LabelVarianceTrainingTests: XCTestCase {
    /// TrainerTests' synthetic set with 5 integer ratings per utterance around its label (NaN gaps; every
    /// 10th utterance has one rating and every 15th none), labels and spreads from the ratings as the shards'.
    static func ratedSet(count: Int, seed: UInt64) -> UtteranceSet {
        var set = TrainerTests.syntheticSet(count: count, seed: seed)
        var g = SeededGenerator(seed: seed ^ 0xABC)
        var ratings = [Float]()
        for u in 0..<count {
            let y = Double(set.labels[u]) * 3
            for r in 0..<5 {
                let missing = (u % 15 == 0) || (u % 10 == 0 && r > 0) || g.uniform() < 0.1
                ratings.append(missing ? .nan : Float((y + Double.random(in: -1.5...1.5, using: &g)).rounded()))
            }
        }
        set.ratings = ratings
        set.raterCount = 5
        set.spreads = UtteranceSet.raterSpread(ratings: ratings, count: count, raters: 5, targets: 1)
        for u in 0..<count {
            let v = ratings[(u * 5)..<(u * 5 + 5)].filter { !$0.isNaN }
            set.labels[u] = v.isEmpty ? Float((Double(set.labels[u]) * 3).rounded()) : v.reduce(0, +) / Float(v.count)
        }
        return set
    }

    func config(_ mode: LabelVarianceMode) -> TrainingConfig {
        var config = TrainingConfig()
        config.maxEpochs = 20
        config.batchSize = 32
        config.learningRate = 3e-3
        config.labelVariance = mode
        return config
    }

    func train(_ mode: LabelVarianceMode, train: UtteranceSet, dev: UtteranceSet) throws -> TrainingOutcome {
        let decoder = TrainerTests.smallConfig(outputs: mode.outputCount(targets: 1))
        return try Trainer(config: config(mode), decoderConfig: decoder).train(
            train: train, dev: dev, task: .regression, targets: ["y"], selection: Array(0..<6), datasetWidth: 6)
    }

    func testEveryModeLearnsTheConsensusWithFiniteLosses() throws {
        let trainSet = Self.ratedSet(count: 400, seed: 1)
        let devSet = Self.ratedSet(count: 100, seed: 2)
        for mode in LabelVarianceMode.allCases {
            let outcome = try train(mode, train: trainSet, dev: devSet)
            XCTAssertEqual(outcome.stopReason == .diverged, false, "\(mode) diverged: \(outcome.message ?? "")")
            XCTAssertTrue(outcome.history.allSatisfy { $0.trainLoss.isFinite }, "\(mode)")
            XCTAssertGreaterThan(outcome.bestDevMetric, 0.6, "\(mode): dev CCC of the consensus after 20 epochs")
            let predictions = outcome.model.predict(devSet)
            XCTAssertEqual(predictions.count, devSet.count * mode.reportedOutputCount(targets: 1))
            if mode == .nll || mode == .distribution {
                XCTAssertTrue(
                    (0..<devSet.count).allSatisfy { predictions[$0 * 2 + 1] >= 0 },
                    "\(mode) spreads ≥ 0 (std-aux's spread head is unconstrained)")
            }
        }
    }

    func testModesThatNeedRaterSpreadRefuseASetWithoutItNamingTheFields() {
        var trainSet = TrainerTests.syntheticSet(count: 50, seed: 1)
        trainSet.spreads = nil
        for mode in LabelVarianceMode.allCases where mode.needsRaterSpread {
            XCTAssertThrowsError(try train(mode, train: trainSet, dev: trainSet), "\(mode)") { error in
                XCTAssertEqual(error as? LearnError, .noRaterSpread(dataset: "dataset", mode: mode))
                XCTAssertTrue("\(error)".contains("`ratings` or `label_std`"), "\(error)")
                XCTAssertTrue("\(error)".contains(mode.rawValue), "\(error)")
            }
        }
    }

    func testSavedModelWithAFittedHeadPredictsTheSameAfterLoading() throws {
        let scratch = try ScratchDirectory("label-variance-ckpt")
        defer { scratch.remove() }
        let trainSet = Self.ratedSet(count: 120, seed: 3)
        for mode in [LabelVarianceMode.nll, .distribution, .weighted] {
            let outcome = try train(mode, train: trainSet, dev: trainSet)
            let url = scratch.path("\(mode.rawValue).h5")
            try Checkpoint.save(outcome.model, to: url)
            let loaded = try Checkpoint.load(from: url)
            XCTAssertEqual(loaded.head, outcome.model.head, "\(mode)")
            XCTAssertEqual(loaded.predict(trainSet), outcome.model.predict(trainSet), "\(mode)")
        }
        let head = LabelVarianceHead.fitted(mode: .distribution, task: .regression, train: trainSet)
        XCTAssertEqual(head.binCentres.count, LabelVarianceDefaults.ratingBins)
    }
}
