import Foundation
import Learn
import Shards
import TestSupport
import XCTest

/// `salience train --label-variance nll|distribution` and `salience fuse` end to end: the spread-predicting
/// models' CSVs carry `<target>_spread`, fusing them writes every utterance and a report with the members'
/// metrics, and a member of another dataset is refused naming the utterance.
final class FuseCommandTests: XCTestCase {
    func salience(_ arguments: [String]) throws -> ProcessResult {
        let binary = TestEnvironment.salienceBinary
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw XCTSkip("the salience binary is not built at \(binary.path)")
        }
        return try runProcess(binary, arguments)
    }

    func testNewModesPredictSpreadsAndFuseWritesEveryUtteranceAndRefusesOthers() throws {
        let scratch = try ScratchDirectory("fuse-cli")
        defer { scratch.remove() }
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 240
        configuration.dimension = 12
        configuration.relevantDimensions = 4
        configuration.minFrames = 2
        configuration.maxFrames = 6
        configuration.shards = 2
        let data = scratch.path("data")
        try SyntheticDataset(configuration: configuration).write(to: data)
        var members = [String]()
        for mode in ["nll", "distribution"] {
            let model = scratch.path("\(mode).h5").path
            let train = try salience([
                "train", data.path, "--decoder", "gru-ff", "--epochs", "2", "--label-variance", mode, "--out", model,
            ])
            XCTAssertEqual(train.status, 0, train.stderr)
            let csv = scratch.path("\(mode).csv").path
            let predict = try salience(["predict", model, data.path, "--out", csv])
            XCTAssertEqual(predict.status, 0, predict.stderr)
            let header = try String(contentsOfFile: csv, encoding: .utf8).prefix { $0 != "\n" }
            XCTAssertEqual(header, "id,condition,split,target0,target1,target0_spread,target1_spread")
            members.append(csv)
        }
        let fused = scratch.path("fused.csv").path
        let report = scratch.path("fused.json").path
        let fuse = try salience(
            ["fuse"] + members + [
                "--dataset", data.path, "--method", "dev-weighted", "--out", fused, "--metrics", report,
            ])
        XCTAssertEqual(fuse.status, 0, fuse.stderr)
        let rows = try String(contentsOfFile: fused, encoding: .utf8).split(separator: "\n")
        let memberRows = try String(contentsOfFile: members[0], encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, memberRows.count)
        XCTAssertEqual(rows.first, "id,condition,split,target0,target1")
        let json =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any]
            ?? [:]
        XCTAssertEqual((json["member_metrics"] as? [Any])?.count, 2)
        XCTAssertEqual(json["method"] as? String, "dev-weighted")

        // A member missing one utterance is refused, naming it.
        let short = scratch.path("short.csv").path
        try memberRows.dropLast().joined(separator: "\n").write(toFile: short, atomically: true, encoding: .utf8)
        let missing = String(memberRows.last!.split(separator: ",")[0])
        let refused = try salience(["fuse", members[0], short, "--dataset", data.path, "--out", fused])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("\"\(missing)\""), refused.stderr)
    }
}
