import Foundation
import HDF5
import Learn
import Shards
import TestSupport
import XCTest

/// Model files: a saved model loads with identical weights and predictions (with and without a layer mix);
/// another version, a truncated file, a dataset of another width and a selection beyond D are refused with
/// errors naming the file.
final class CheckpointTests: XCTestCase {
    func makeModel(task: TaskKind = .regression) -> TrainedModel {
        var config = DecoderConfig.gruFF(inputWidth: 3, outputCount: 4)
        config.frontWidth = 5
        config.gruHidden = 4
        config.headHidden = 6
        let decoder = SequenceDecoder<Float>(config: config, seed: 41)
        decoder.setStandardization(Standardization(mean: [0.5, -1, 2], std: [2, 0.5, 1]))
        return TrainedModel(
            decoder: decoder, task: task, targets: ["a", "b"], labelVariance: .stdAux, selection: [1, 4, 7],
            datasetWidth: 10)
    }

    func testSavedModelLoadsWithIdenticalWeightsAndPredictions() throws {
        let scratch = try ScratchDirectory("learn-ckpt")
        defer { scratch.remove() }
        for task in [TaskKind.regression, .binary] {
            let model = makeModel(task: task)
            let url = scratch.path("model-\(task.rawValue).h5")
            try Checkpoint.save(model, to: url)
            let loaded = try Checkpoint.load(from: url)
            XCTAssertEqual(loaded.decoder.config, model.decoder.config)
            XCTAssertEqual(loaded.selection, model.selection)
            XCTAssertEqual(loaded.datasetWidth, 10)
            XCTAssertEqual(loaded.targets, model.targets)
            XCTAssertEqual(loaded.task, task)
            XCTAssertEqual(loaded.labelVariance, .stdAux)
            XCTAssertEqual(loaded.decoder.standardization, model.decoder.standardization)
            for (a, b) in zip(loaded.decoder.parameters, model.decoder.parameters) {
                XCTAssertEqual(a.value, b.value, a.name)
            }
            let batch = TrainerTests.syntheticSet(count: 9, seed: 42, width: 3).batch(Array(0..<9))
            XCTAssertEqual(loaded.predict(batch), model.predict(batch))
            if task == .binary {
                XCTAssert(
                    loaded.predict(batch).enumerated().allSatisfy {
                        $0.offset % 4 >= 2 || ($0.element > 0 && $0.element < 1)
                    })
            }
        }
    }

    func testLayerMixWeightsAreSavedAndLoadedAndAModelWithoutMixLoadsAsBefore() throws {
        let scratch = try ScratchDirectory("learn-ckpt")
        defer { scratch.remove() }
        var config = DecoderConfig.tcGRU(inputWidth: 3 * 2, outputCount: 2)
        config.layerMix = 3
        config.frontWidth = 5
        config.gruHidden = 4
        config.headHidden = 6
        let decoder = SequenceDecoder<Float>(config: config, seed: 43)
        decoder.layerMix!.weights.value = [0.7, -1.2, 0.1]
        decoder.setStandardization(Standardization(mean: [0.5, -1, 2, 0, 1, -0.5], std: [2, 0.5, 1, 1, 3, 0.7]))
        let mixed = TrainedModel(
            decoder: decoder, task: .regression, targets: ["a", "b"], labelVariance: .off, selection: Array(0..<6),
            datasetWidth: 6)
        let url = scratch.path("mixed.h5")
        try Checkpoint.save(mixed, to: url)
        let loaded = try Checkpoint.load(from: url)
        XCTAssertEqual(loaded.decoder.config.layerMix, 3)
        XCTAssertEqual(loaded.decoder.layerMix?.weights.value, [0.7, -1.2, 0.1])
        XCTAssertEqual(loaded.layerWeights, mixed.layerWeights)
        XCTAssertNotEqual(mixed.layerWeights?[0], mixed.layerWeights?[1], "the test's weights are not uniform")
        let batch = TrainerTests.syntheticSet(count: 7, seed: 44, width: 6).batch(Array(0..<7))
        XCTAssertEqual(loaded.predict(batch), mixed.predict(batch))

        // A model without a mix: no mix weight and no `layerMix` key in the file; it loads without a mix.
        let plainURL = scratch.path("plain.h5")
        try Checkpoint.save(makeModel(), to: plainURL)
        do {
            let file = try File.open(plainURL.path)
            XCTAssertFalse(try file.openGroup("weights").contains("layer_mix.weights"))
            XCTAssertFalse(try file.readAttribute("config").stringValue?.contains("layerMix") ?? true)
        }
        let plain = try Checkpoint.load(from: plainURL)
        XCTAssertNil(plain.decoder.config.layerMix)
        XCTAssertNil(plain.layerWeights)

        // A mix whose L does not divide the input width is refused, naming the file.
        do {
            let file = try File.open(url.path, mode: .readWrite)
            var bad = config
            bad.layerMix = 4
            try file.writeAttribute("config", .string(String(decoding: try JSONEncoder().encode(bad), as: UTF8.self)))
        }
        XCTAssertThrowsError(try Checkpoint.load(from: url)) { error in
            XCTAssert("\(error)".contains(url.path) && "\(error)".contains("4 layers"), "\(error)")
        }
    }

    func testModelFileIsReadableByH5pyWithPyTorchShapes() throws {
        guard let python = TestEnvironment.referencePython else { throw XCTSkip("no reference Python venv") }
        let scratch = try ScratchDirectory("learn-ckpt")
        defer { scratch.remove() }
        let url = scratch.path("model.h5")
        try Checkpoint.save(makeModel(), to: url)
        let script = """
            import h5py, json, sys
            f = h5py.File(sys.argv[1], "r")
            print(json.dumps({"shape": list(f["weights/gru.weight_ih_l0"].shape), "version": int(f.attrs["format_version"]),
                              "selection": f["selection"][:].tolist(), "kind": json.loads(f.attrs["config"])["kind"]}))
            """
        let result = try runProcess(python, ["-c", script, url.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let info = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual(info["shape"] as? [Int], [12, 5])
        XCTAssertEqual(info["version"] as? Int, Checkpoint.formatVersion)
        XCTAssertEqual(info["selection"] as? [Int], [1, 4, 7])
        XCTAssertEqual(info["kind"] as? String, "gru-ff")
    }

    func testAnotherVersionOrTruncatedFileIsRefusedNamingTheFile() throws {
        let scratch = try ScratchDirectory("learn-ckpt")
        defer { scratch.remove() }
        let url = scratch.path("future.h5")
        try Checkpoint.save(makeModel(), to: url)
        do {
            let file = try File.open(url.path, mode: .readWrite)
            try file.writeAttribute("format_version", .int(99))
        }
        XCTAssertThrowsError(try Checkpoint.load(from: url)) { error in
            XCTAssert("\(error)".contains(url.path) && "\(error)".contains("99"), "\(error)")
        }
        let whole = scratch.path("whole.h5")
        try Checkpoint.save(makeModel(), to: whole)
        let bytes = try Data(contentsOf: whole)
        let truncated = scratch.path("truncated.h5")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        XCTAssertThrowsError(try Checkpoint.load(from: truncated)) { error in
            XCTAssert("\(error)".contains(truncated.path), "\(error)")
        }
        XCTAssertThrowsError(try Checkpoint.load(from: scratch.path("missing.h5"))) { error in
            XCTAssert("\(error)".contains("missing.h5"), "\(error)")
        }
    }

    func testDatasetOfAnotherWidthAndSelectionBeyondDAreRefused() throws {
        let scratch = try ScratchDirectory("learn-data")
        defer { scratch.remove() }
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 60
        configuration.dimension = 16
        configuration.relevantDimensions = 4
        configuration.shards = 1
        try SyntheticDataset(configuration: configuration).write(to: scratch.url)
        XCTAssertThrowsError(try TrainingData(directory: scratch.url, selection: [0, 16], selectionSource: "sel.txt")) {
            XCTAssertEqual($0 as? LearnError, .selectionOutOfRange(index: 16, width: 16, source: "sel.txt"))
            XCTAssert("\($0)".contains("sel.txt") && "\($0)".contains("16"))
        }
        XCTAssertThrowsError(
            try TrainingData(directory: scratch.url, selection: nil, model: (path: "m.h5", width: 384))
        ) { error in
            XCTAssert("\(error)".contains("m.h5") && "\(error)".contains("384"), "\(error)")
        }
        let data = try TrainingData(directory: scratch.url, selection: [5, 1, 5])
        XCTAssertEqual(data.selection, [1, 5])
        XCTAssertEqual(data.clean[.train]?.width, 2)
        XCTAssertNotNil(data.clean[.train]?.spreads)
        XCTAssertFalse(data.distorted.isEmpty)
    }
}
