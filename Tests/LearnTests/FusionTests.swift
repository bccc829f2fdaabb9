import Foundation
import Learn
import Numerics
import Shards
import TestSupport
import XCTest

/// Late fusion of two trained models: every method equals numpy on the models' prediction CSVs
/// (`Python/fusion_reference.py`), members whose utterances differ are refused naming the utterance, and the
/// learned weights never see test labels (shuffling them changes the test metrics, not the weights).
final class FusionTests: XCTestCase {
    /// A small synthetic dataset (2 targets, a distorted condition) and two models' prediction CSVs.
    static func fixture(_ scratch: ScratchDirectory) throws -> (data: URL, members: [URL]) {
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 300
        configuration.dimension = 10
        configuration.relevantDimensions = 4
        configuration.maxFrames = 8
        configuration.seed = 21
        let data = scratch.path("data")
        try SyntheticDataset(configuration: configuration).write(to: data)
        var members = [URL]()
        for (seed, selection) in [(UInt64(1), [0, 1, 2, 3, 4, 5, 6]), (2, [2, 3, 4, 5, 6, 7, 8, 9])] {
            var config = TrainingConfig()
            config.seed = seed
            config.maxEpochs = 6
            var job = TrainingJob(directory: data, config: config)
            job.selection = selection
            job.labelVariance = .off
            job.decoder = .gruFF
            job.adjustDecoder = {
                $0.gruHidden = 8
                $0.frontWidth = 8
                $0.headHidden = 8
            }
            let record = try job.run()
            let url = scratch.path("member-\(seed).csv")
            try predictionCSV(record.model, data).write(to: url, atomically: true, encoding: .utf8)
            members.append(url)
        }
        return (data, members)
    }

    /// The CSV `salience predict` writes for `model` on `directory`.
    static func predictionCSV(_ model: TrainedModel, _ directory: URL) throws -> String {
        let data = try TrainingData(directory: directory, selection: model.selection)
        var rows = [(key: PredictionTable.Key, values: [Float])]()
        var sets = Split.allCases.compactMap { split in data.clean[split].map { ("clean", split, $0) } }
        for (condition, splits) in data.distorted { sets += splits.map { (condition, $0.key, $0.value) } }
        for (condition, split, set) in sets {
            let p = model.predict(set)
            for u in 0..<set.count {
                rows.append(
                    (
                        PredictionTable.Key(condition: condition, split: split, id: set.ids[u]),
                        Array(p[(u * model.outputCount)..<((u + 1) * model.outputCount)])
                    ))
            }
        }
        return PredictionTable.csv(header: model.targets, rows: rows)
    }

    func fuse(_ members: [URL], _ data: URL, _ method: FusionMethod, shuffleTest: Bool = false) throws -> FusionRecord {
        let tables = try members.map { try PredictionTable(contentsOf: $0) }
        let labels = try TrainingData(directory: data, selection: [0])
        var clean = labels.clean
        if shuffleTest, var test = clean[.test] {
            var g = SeededGenerator(seed: 99)
            let t = test.targetCount
            let order = Array(0..<test.count).shuffled(using: &g)
            test.labels = order.flatMap { test.labels[($0 * t)..<(($0 + 1) * t)] }
            clean[.test] = test
        }
        return try LateFusion(members: tables, method: method).run(
            clean: clean, distorted: labels.distorted, targets: labels.catalog.targets, task: labels.catalog.task,
            dataset: data.path)
    }

    func testEveryMethodEqualsNumpyOnThePredictionCSVs() throws {
        let scratch = try ScratchDirectory("fusion")
        defer { scratch.remove() }
        let (data, members) = try Self.fixture(scratch)
        let reference = try runReferenceScript(
            target: "LearnTests", "fusion_reference.py", [data.path] + members.map(\.path))
        for method in FusionMethod.allCases {
            let record = try fuse(members, data, method)
            let expected = reference[method.rawValue] as? [String: Any] ?? [:]
            XCTAssertEqual(record.weights.count, 2)
            for (column, weights) in record.weights.enumerated() {
                let target = expected[weights.target] as? [String: Any] ?? [:]
                assertClose(weights.weights, target["weights"] as? [Double] ?? [], relative: 1e-6, "\(method)")
                XCTAssertEqual(weights.bias, target["bias"] as? Double ?? .nan, accuracy: 1e-6, "\(method)")
                let fused = target["fused"] as? [String: Double] ?? [:]
                XCTAssertEqual(fused.count, record.fused.keys.count)
                for key in record.fused.keys {
                    let value = fused["\(key.condition)|\(key.split.description)|\(key.id)"] ?? .nan
                    XCTAssertEqual(record.fused.values[key]![column], value, accuracy: 1e-6, "\(method) \(key)")
                }
            }
            // Evaluated like any model: every split, the distorted condition and its clean counterpart.
            let places = Set(record.metrics.map { "\($0.split)/\($0.condition)/\($0.utterances ?? "")" })
            XCTAssertTrue(places.isSuperset(of: ["train/clean/", "dev/clean/", "test/clean/"]), "\(places)")
            XCTAssertTrue(places.contains { $0.contains("noise-snr5") }, "\(places)")
            XCTAssertEqual(record.memberMetrics.map(\.count), [record.metrics.count, record.metrics.count])
        }
    }

    func testMembersWithDifferentUtterancesAreRefusedNamingTheFirst() throws {
        let scratch = try ScratchDirectory("fusion-ids")
        defer { scratch.remove() }
        let (data, members) = try Self.fixture(scratch)
        let text = try String(contentsOf: members[1], encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let victim = lines[5].split(separator: ",")[0]
        lines[5] = "renamed" + lines[5].dropFirst(victim.count)
        let bad = scratch.path("bad.csv")
        try lines.joined(separator: "\n").write(to: bad, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try fuse([members[0], bad], data, .mean)) { error in
            guard case .utteranceMissing(let key, let present, let absent)? = error as? FusionError else {
                return XCTFail("\(error)")
            }
            XCTAssertTrue(key.contains("\"\(victim)\"") || key.contains("\"renamed\""), key)
            XCTAssertNotEqual(present, absent)
        }
        let oneTarget = scratch.path("one-target.csv")
        try text.split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }
            .joined(separator: "\n").write(to: oneTarget, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try fuse([members[0], oneTarget], data, .mean)) { error in
            guard case .targetsDiffer? = error as? FusionError else { return XCTFail("\(error)") }
        }
    }

    func testLearnedWeightsAreIdenticalWhenTestLabelsAreShuffled() throws {
        let scratch = try ScratchDirectory("fusion-shuffle")
        defer { scratch.remove() }
        let (data, members) = try Self.fixture(scratch)
        for method in FusionMethod.allCases {
            let original = try fuse(members, data, method)
            let shuffled = try fuse(members, data, method, shuffleTest: true)
            XCTAssertEqual(original.weights, shuffled.weights, "\(method)")
            func testCCC(_ r: FusionRecord) -> Double? {
                r.metrics.first {
                    $0.split == "test" && $0.condition == "clean" && $0.utterances == nil && $0.target == nil
                        && $0.metric == "ccc"
                }?.value
            }
            XCTAssertNotEqual(testCCC(original), testCCC(shuffled), "the shuffle must reach the test metrics")
        }
    }
}
