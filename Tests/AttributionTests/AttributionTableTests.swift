import Attribution
import Numerics
import XCTest

final class AttributionTableTests: XCTestCase {
    func testPassInChunksEqualsOneCallAndTableCarriesEveryScore() throws {
        var generator = SplitMix64(state: 20)
        let weights: [[Double]] = [[0.5, -1, 0.25], [1, 1, -1]]
        let utterances = randomUtterances(count: 10, width: 3, lengths: 1...6, generator: &generator)
        let ig = IntegratedGradients(steps: 5)
        var pass = try AttributionPass(
            method: ig,
            replicas: [SigmoidModel(weights: weights, bias: [0, 0]), SigmoidModel(weights: weights, bias: [0, 0])])
        try pass.add(Array(utterances[0..<3]))
        try pass.add(Array(utterances[3...]))
        var direct = AttributionStatistics(width: 3, outputs: [0, 1])
        try direct.add(contentsOf: try ig.attribute(utterances, model: SigmoidModel(weights: weights, bias: [0, 0])))
        XCTAssertEqual(pass.statistics.count, 10)
        for (a, b) in zip(pass.statistics.meanAbsolute, direct.meanAbsolute) { XCTAssertEqual(a, b, accuracy: 1e-12) }

        let table = try AttributionTable(pass.statistics, dimensions: [4, 7, 9], outputNames: ["valence", "arousal"])
        XCTAssertEqual(
            table.columns,
            [
                "dim", "ig", "ig.std", "ig.signed", "ig.frame", "ig.valence", "ig.std.valence", "ig.signed.valence",
                "ig.frame.valence", "ig.arousal", "ig.std.arousal", "ig.signed.arousal", "ig.frame.arousal",
            ])
        let lines = table.csv.split(separator: "\n")
        XCTAssertEqual(lines.count, 4)
        let second = lines[2].split(separator: ",").map(String.init)
        XCTAssertEqual(second[0], "7")
        XCTAssertEqual(Double(second[1]), direct.meanAbsolute[1])
        XCTAssertEqual(Double(second[2]), direct.standardDeviation[1])
        XCTAssertEqual(Double(second[9]), direct.meanAbsolute(output: 1)[1])
        XCTAssertThrowsError(try AttributionTable(pass.statistics, dimensions: [1], outputNames: ["a", "b"]))
        XCTAssertThrowsError(try AttributionTable(pass.statistics, outputNames: ["a"]))
    }
}
