import Foundation
import HDF5
import Learn
import Shards
import TestSupport
import XCTest

/// `salience train` and `salience predict` end to end on a small synthetic dataset, their bad-input
/// errors, and (when ../shared is present) one epoch on the real vader-minilm dataset.
final class TrainCommandTests: XCTestCase {
    func salience(_ arguments: [String]) throws -> ProcessResult {
        let binary = TestEnvironment.salienceBinary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("the salience binary is not built at \(binary.path)")
        }
        return try runProcess(binary, arguments)
    }

    func syntheticDataset(_ scratch: ScratchDirectory) throws -> URL {
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 240
        configuration.dimension = 12
        configuration.relevantDimensions = 4
        configuration.targets = 2
        configuration.minFrames = 2
        configuration.maxFrames = 6
        configuration.shards = 2
        let directory = scratch.path("data")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try SyntheticDataset(configuration: configuration).write(to: directory)
        return directory
    }

    func testTrainWritesModelAndMetricsAndPredictWritesEveryUtterance() throws {
        let scratch = try ScratchDirectory("learn-cli")
        defer { scratch.remove() }
        let data = try syntheticDataset(scratch)
        try "3, 0\n7\n# comment\n1\n".write(to: scratch.path("selection.txt"), atomically: true, encoding: .utf8)
        let model = scratch.path("model.h5").path
        let metrics = scratch.path("metrics.json").path
        let train = try salience([
            "train", data.path, "--select", scratch.path("selection.txt").path, "--decoder", "gru-ff", "--epochs", "2",
            "--out", model, "--metrics", metrics,
        ])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssert(train.stderr.contains("epoch   2"), "progress lines: \(train.stderr)")
        let report =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: metrics))) as? [String: Any]
            ?? [:]
        for key in ["params", "params_ratio", "seconds_to_best", "seconds_total", "best_epoch", "metrics"] {
            XCTAssertNotNil(report[key], "metrics.json lacks \(key)")
        }
        let config = DecoderConfig.gruFF(inputWidth: 4, outputCount: 4)  // std-aux by default: 2 targets → 4 outputs
        XCTAssertEqual(report["params"] as? Int, config.parameterCount)
        XCTAssertEqual(
            report["params_ratio"] as? Double ?? 0,
            Double(config.parameterCount) / Double(config.withInputWidth(12).parameterCount), accuracy: 1e-12)
        let entries = report["metrics"] as? [[String: Any]] ?? []
        let conditions = Set(entries.map { "\($0["split"] ?? "")/\($0["condition"] ?? "")/\($0["utterances"] ?? "-")" })
        XCTAssert(conditions.isSuperset(of: ["train/clean/-", "dev/clean/-", "test/clean/-"]), "\(conditions)")
        XCTAssert(conditions.contains { $0.hasPrefix("test/noise-") }, "no distorted condition: \(conditions)")
        XCTAssert(
            conditions.contains { $0.hasPrefix("test/clean/noise-") }, "no clean-on-same-utterances: \(conditions)")
        let loaded = try Checkpoint.load(from: URL(fileURLWithPath: model))
        XCTAssertEqual(loaded.selection, [0, 1, 3, 7])

        let csv = scratch.path("predictions.csv").path
        let predict = try salience(["predict", model, data.path, "--out", csv])
        XCTAssertEqual(predict.status, 0, predict.stderr)
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        let header = lines.first.map(String.init) ?? ""
        XCTAssert(header.hasPrefix("id,condition,split,") && header.hasSuffix("_spread"), header)
        let catalog = try DatasetCatalog(directory: data)
        XCTAssertEqual(lines.count - 1, catalog.shards.reduce(0) { $0 + $1.utterances })
    }

    func testTrainingOptionsReachTheTrainer() throws {
        let scratch = try ScratchDirectory("learn-cli-options")
        defer { scratch.remove() }
        let data = try syntheticDataset(scratch)
        let model = scratch.path("model.h5").path
        let train = try salience([
            "train", data.path, "--decoder", "gru-ff", "--epochs", "2", "--loss", "mse", "--batch-size", "16",
            "--learning-rate", "0.005", "--patience", "2", "--label-variance", "std-aux", "--variance-weight", "0.5",
            "--out", model, "--quiet",
        ])
        XCTAssertEqual(train.status, 0, train.stderr)
        // The checkpoint records the configuration the trainer ran with.
        let recorded = try XCTUnwrap(try File.open(model).readAttribute("training").stringValue)
        let config = try JSONDecoder().decode(TrainingConfig.self, from: Data(recorded.utf8))
        XCTAssertEqual(config.loss, .mse)
        XCTAssertEqual(config.batchSize, 16)
        XCTAssertEqual(config.learningRate, 0.005)
        XCTAssertEqual(config.earlyStoppingPatience, 2)
        XCTAssertEqual(config.spreadWeight, 0.5)
        XCTAssertEqual(config.meanLoss(for: .regression), .mse)

        let bce = try salience(["train", data.path, "--loss", "bce", "--epochs", "1", "--out", model])
        XCTAssertNotEqual(bce.status, 0)
        XCTAssertTrue(bce.stderr.contains("--loss bce needs 0/1 targets"), bce.stderr)
        for (option, value) in [("--batch-size", "0"), ("--learning-rate", "-1"), ("--patience", "0")] {
            let bad = try salience(["train", data.path, option, value, "--out", model])
            XCTAssertNotEqual(bad.status, 0, option)
            XCTAssertTrue(bad.stderr.contains(option), "\(option): \(bad.stderr)")
        }
        let unknown = try salience(["train", data.path, "--loss", "hinge", "--out", model])
        XCTAssertTrue(unknown.stderr.contains("hinge"), unknown.stderr)
    }

    func testLayerMixOptionTrainsAMixAndReportsItsLayerWeights() throws {
        let scratch = try ScratchDirectory("learn-cli-mix")
        defer { scratch.remove() }
        let data = try syntheticDataset(scratch)
        let model = scratch.path("model.h5").path
        let metrics = scratch.path("metrics.json").path
        // The dataset's 12 columns as 3 layers of 4.
        let train = try salience([
            "train", data.path, "--decoder", "gru-ff", "--epochs", "1", "--layer-mix", "3", "--out", model,
            "--metrics", metrics, "--quiet",
        ])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssert(train.stdout.contains("layer weights"), train.stdout)
        let report =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: metrics))) as? [String: Any]
            ?? [:]
        let weights = (report["layer_weights"] as? [NSNumber])?.map(\.doubleValue) ?? []
        XCTAssertEqual(weights.count, 3, "\(report.keys.sorted())")
        XCTAssertEqual(weights.reduce(0, +), 1, accuracy: 1e-6)
        let loaded = try Checkpoint.load(from: URL(fileURLWithPath: model))
        XCTAssertEqual(loaded.decoder.config.layerMix, 3)
        XCTAssertEqual(loaded.layerWeights?.count, 3)

        let uneven = try salience(["train", data.path, "--layer-mix", "5", "--epochs", "1", "--out", model])
        XCTAssertNotEqual(uneven.status, 0)
        XCTAssert(uneven.stderr.contains("5 layers") && uneven.stderr.contains("12 columns"), uneven.stderr)
    }

    func testBadSelectionsAndMismatchedDatasetsFailWithClearErrors() throws {
        let scratch = try ScratchDirectory("learn-cli")
        defer { scratch.remove() }
        let data = try syntheticDataset(scratch)
        let model = scratch.path("m.h5").path
        let outOfRange = try salience(["train", data.path, "--dims", "0,12", "--epochs", "1", "--out", model])
        XCTAssertNotEqual(outOfRange.status, 0)
        XCTAssert(outOfRange.stderr.contains("12") && outOfRange.stderr.contains("width 12"), outOfRange.stderr)
        let garbage = try salience(["train", data.path, "--dims", "0,x", "--epochs", "1", "--out", model])
        XCTAssertNotEqual(garbage.status, 0)
        XCTAssert(garbage.stderr.contains("'x'"), garbage.stderr)

        // A model trained on D = 20 against the D = 12 dataset.
        let wide = TrainedModel(
            decoder: SequenceDecoder<Float>(config: .gruFF(inputWidth: 2, outputCount: 2), seed: 1), task: .regression,
            targets: ["a", "b"], labelVariance: .off, selection: [0, 19], datasetWidth: 20)
        try Checkpoint.save(wide, to: URL(fileURLWithPath: model))
        let mismatch = try salience(["predict", model, data.path, "--out", scratch.path("p.csv").path])
        XCTAssertNotEqual(mismatch.status, 0)
        XCTAssert(mismatch.stderr.contains(model) && mismatch.stderr.contains("20"), mismatch.stderr)
    }

    func testOneEpochOnVaderMiniLMBeatsTheRidgeBaseline() throws {
        guard let vader = TestEnvironment.vaderMiniLM else {
            throw XCTSkip("../shared/datasets/vader-minilm is absent (set SALIENCE_SHARED)")
        }
        let scratch = try ScratchDirectory("learn-vader")
        defer { scratch.remove() }
        let metrics = scratch.path("metrics.json").path
        let result = try salience([
            "train", vader.path, "--epochs", "1", "--label-variance", "off", "--out", scratch.path("m.h5").path,
            "--metrics", metrics, "--quiet",
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: metrics))) as? [String: Any]
            ?? [:]
        let entries = report["metrics"] as? [[String: Any]] ?? []
        let test = entries.first {
            $0["split"] as? String == "test" && $0["condition"] as? String == "clean" && $0["utterances"] == nil
                && $0["target"] == nil && $0["metric"] as? String == "ccc"
        }
        let ccc = test?["value"] as? Double ?? 0
        // The issue's reference points: a linear ridge on pooled vectors reaches about 0.74 test CCC, a
        // PyTorch TC-GRU about 0.85 after 3 epochs (ops/bench/train compares the two side by side).
        XCTAssertGreaterThan(ccc, 0.74, "one TC-GRU epoch should beat the ridge baseline")
    }
}
