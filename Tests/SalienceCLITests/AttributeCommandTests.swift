import Foundation
import Shards
import TestSupport
import XCTest

/// `salience attribute` end to end on a synthetic dataset with a planted subspace: train a decoder on every
/// dimension, attribute it, and select from the CSV with `salience select`.
final class AttributeCommandTests: XCTestCase {
    func run(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(TestEnvironment.salienceBinary, arguments)
    }

    func testAttributionFindsThePlantedDimensionsAndFeedsSelect() throws {
        let scratch = try ScratchDirectory("attribute")
        defer { scratch.remove() }
        let data = scratch.path("data").path
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 600
        configuration.dimension = 16
        configuration.relevantDimensions = 4
        configuration.targets = 1
        configuration.minFrames = 3
        configuration.maxFrames = 8
        configuration.seed = 5
        configuration.shards = 2
        let synth = try run([
            "dataset", "synth", data, "--utterances", "600", "--dim", "16", "--relevant", "4", "--targets", "1",
            "--frames", "3-8", "--seed", "5", "--shards", "2",
        ])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        // IG explains the model, not the data: a briefly trained GRU-FF learns the linear planted dimensions but
        // not yet the non-linear one (y ∝ z² − 1, measured: it ranks among the noise after 10-30 epochs), so
        // the linear ones are what its attributions must put first.
        let planted = try SyntheticDataset(configuration: configuration).linearDimensions

        let model = scratch.path("model.h5").path
        let train = try run([
            "train", data, "--decoder", "gru-ff", "--label-variance", "off", "--epochs", "10", "--quiet", "--out",
            model,
        ])
        XCTAssertEqual(train.status, 0, train.stderr)

        let csv = scratch.path("ig.csv")
        let attribute = try run(["attribute", model, data, "--steps", "20", "--out", csv.path])
        XCTAssertEqual(attribute.status, 0, attribute.stderr)
        XCTAssertTrue(attribute.stdout.contains("mean |completeness delta| = "), attribute.stdout)
        // Standard error is a pipe here, as in a log: whole lines, no carriage returns, and the final count.
        XCTAssertFalse(attribute.stderr.contains("\r"), attribute.stderr)
        let trainUtterances = try DatasetCatalog(directory: URL(fileURLWithPath: data)).utteranceCount(split: .train)
        XCTAssertTrue(
            attribute.stderr.split(separator: "\n").contains(
                "attribute: \(trainUtterances)/\(trainUtterances) utterances"),
            attribute.stderr)

        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",").map(String.init)
        XCTAssertEqual(Array(header.prefix(5)), ["dim", "ig", "ig.std", "ig.signed", "ig.frame"])
        XCTAssertEqual(lines.count, 17)
        let rows = lines.dropFirst().map { $0.split(separator: ",").map(String.init) }
        XCTAssertEqual(rows.map { Int($0[0]) }, Array(0..<16).map { Optional($0) })
        let ig = rows.map { Double($0[1]) ?? -1 }
        let ranked = ig.indices.sorted { ig[$0] > ig[$1] }
        XCTAssertEqual(Set(ranked.prefix(planted.count)), Set(planted), "ig \(ig), planted \(planted)")

        let summaryData = try Data(contentsOf: scratch.path("ig.json"))
        let summary = try XCTUnwrap(try JSONSerialization.jsonObject(with: summaryData) as? [String: Any])
        let trainCount = try DatasetCatalog(directory: URL(fileURLWithPath: data)).utteranceCount(split: .train)
        XCTAssertEqual(summary["utterances"] as? Int, trainCount)
        XCTAssertEqual(summary["steps"] as? Int, 20)
        let delta = try XCTUnwrap(summary["meanAbsoluteCompletenessDelta"] as? Double)
        XCTAssertTrue(delta.isFinite && delta >= 0)
        // The printed value is Swift's shortest round-trip form; Foundation's JSON parser on Linux may land an
        // ulp away from it on 17-digit mantissas, so the two are compared as numbers.
        let printedLine = attribute.stdout.split(separator: "\n").first { $0.hasPrefix("mean |completeness delta| = ") }
        let printed = try XCTUnwrap(printedLine.flatMap { Double($0.dropFirst("mean |completeness delta| = ".count)) })
        XCTAssertEqual(printed, delta, accuracy: 4 * delta.ulp, "the printed delta is the stored one")

        let select = try run(["select", csv.path, "--by", "ig", "--top", "\(planted.count)"])
        XCTAssertEqual(select.status, 0, select.stderr)
        XCTAssertEqual(Set(select.stdout.split(separator: "\n").compactMap { Int($0) }), Set(planted))
        let threshold = try run(["select", csv.path, "--by", "ig", "--threshold", "mean"])
        XCTAssertEqual(threshold.status, 0, threshold.stderr)
        let kept = threshold.stdout.split(separator: "\n").compactMap { Int($0) }
        let mean = ig.reduce(0, +) / Double(ig.count)
        XCTAssertEqual(kept.sorted(), ig.indices.filter { ig[$0] >= mean })
    }

    func testSpreadOutputsLimitAndBaselineFile() throws {
        let scratch = try ScratchDirectory("attribute-options")
        defer { scratch.remove() }
        let data = scratch.path("data").path
        let synth = try run([
            "dataset", "synth", data, "--utterances", "200", "--dim", "6", "--relevant", "2", "--targets", "1",
            "--frames", "2-5", "--seed", "9", "--shards", "1",
        ])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        let target = try DatasetCatalog(directory: URL(fileURLWithPath: data)).targets[0]
        let model = scratch.path("model.h5").path
        // The synthetic shards carry ratings, so the decoder predicts the mean and the raters' spread.
        let train = try run([
            "train", data, "--decoder", "gru-ff", "--label-variance", "std-aux", "--epochs", "2", "--quiet", "--out",
            model,
        ])
        XCTAssertEqual(train.status, 0, train.stderr)

        let all = scratch.path("all.csv")
        let attribute = try run([
            "attribute", model, data, "--outputs", "all", "--steps", "4", "--limit", "20", "--threads", "1", "--out",
            all.path,
        ])
        XCTAssertEqual(attribute.status, 0, attribute.stderr)
        let header = try String(contentsOf: all, encoding: .utf8).split(separator: "\n")[0].split(separator: ",")
        XCTAssertTrue(header.contains("ig.\(target)"), "\(header)")
        XCTAssertTrue(header.contains("ig.\(target)_spread"), "\(header)")
        let summary =
            try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.path("all.json"))) as? [String: Any]
        XCTAssertEqual(summary?["utterances"] as? Int, 20)

        // A baseline file of zeros is the zero baseline, number for number.
        let zeros = scratch.path("zeros.txt")
        try "0, 0, 0\n0 0 0\n".write(to: zeros, atomically: true, encoding: .utf8)
        let fromZero = scratch.path("zero.csv")
        let fromFile = scratch.path("file.csv")
        for (out, baseline) in [(fromZero, "zero"), (fromFile, zeros.path)] {
            let result = try run([
                "attribute", model, data, "--steps", "4", "--limit", "20", "--baseline", baseline, "--out", out.path,
            ])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        XCTAssertEqual(
            try String(contentsOf: fromZero, encoding: .utf8), try String(contentsOf: fromFile, encoding: .utf8))

        let short = scratch.path("short.txt")
        try "1 2 3".write(to: short, atomically: true, encoding: .utf8)
        let refused = try run(["attribute", model, data, "--baseline", short.path, "--out", scratch.path("x.csv").path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains(short.path) && refused.stderr.contains("6 inputs"), refused.stderr)
    }

    func testBadOptionsAreRefusedWithAClearMessage() throws {
        let steps = try run(["attribute", "m.h5", "data", "--steps", "1", "--out", "x.csv"])
        XCTAssertNotEqual(steps.status, 0)
        XCTAssertTrue(steps.stderr.contains("--steps"), steps.stderr)
        let split = try run(["attribute", "m.h5", "data", "--split", "validation", "--out", "x.csv"])
        XCTAssertNotEqual(split.status, 0)
        XCTAssertTrue(split.stderr.contains("--split"), split.stderr)
        let missing = try run(["attribute", "/nonexistent/model.h5", "/nonexistent", "--out", "x.csv"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("/nonexistent/model.h5"), missing.stderr)
    }
}
