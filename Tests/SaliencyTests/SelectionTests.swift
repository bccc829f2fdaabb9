import Saliency
import XCTest

final class SelectionTests: XCTestCase {
    let scores: [Double] = [0.5, 0.9, 0.1, 0.9, 0.3, 0.7, 0.0, 0.3]

    func testTopRatioSortsDescendingWithTiesToTheLowerIndex() throws {
        // k = max(1, ⌊0.25 · 8⌋) = 2: the two 0.9s.
        XCTAssertEqual(try Selection.select(scores, rule: .topRatio(0.25)), [1, 3])
        // k = 5: 0.9, 0.9, 0.7, 0.5 and the first 0.3 (index 4 before 7).
        XCTAssertEqual(try Selection.select(scores, rule: .topRatio(0.625)), [0, 1, 3, 4, 5])
        XCTAssertEqual(try Selection.select(scores, rule: .topRatio(0.01)), [1])
        XCTAssertEqual(Selection.ranking(scores), [1, 3, 5, 0, 4, 7, 2, 6])
        XCTAssertThrowsError(try Selection.select(scores, rule: .topRatio(1.5)))
    }

    func testThresholdsKeepScoresAtLeastTheValue() throws {
        // mean = 3.7 / 8 = 0.4625
        XCTAssertEqual(try Selection.select(scores, rule: .threshold(.mean)), [0, 1, 3, 5])
        // median of [0, .1, .3, .3, .5, .7, .9, .9] = (.3 + .5) / 2 = 0.4
        XCTAssertEqual(try Selection.select(scores, rule: .threshold(.median)), [0, 1, 3, 5])
        // p75: position 0.75 · 7 = 5.25 → .7 + .25 · (.9 − .7) = 0.75
        XCTAssertEqual(ScoreThreshold.percentile(75).value(on: scores), 0.75, accuracy: 1e-15)
        XCTAssertEqual(try Selection.select(scores, rule: .threshold(.percentile(75))), [1, 3])
        // 2 · mean = 0.925: nothing reaches it.
        XCTAssertEqual(try Selection.select(scores, rule: .threshold(.scaledMean(2))), [])
        XCTAssertEqual(try Selection.select(scores, rule: .threshold(.scaledMean(0.5))), [0, 1, 3, 4, 5, 7])
    }

    func testThresholdParsing() throws {
        XCTAssertEqual(try ScoreThreshold(parsing: "mean"), .mean)
        XCTAssertEqual(try ScoreThreshold(parsing: "median"), .median)
        XCTAssertEqual(try ScoreThreshold(parsing: "p75"), .percentile(75))
        XCTAssertEqual(try ScoreThreshold(parsing: "p90.5"), .percentile(90.5))
        XCTAssertEqual(try ScoreThreshold(parsing: "2*mean"), .scaledMean(2))
        XCTAssertEqual(try ScoreThreshold(parsing: "0.5*mean"), .scaledMean(0.5))
        for bad in ["", "p101", "max", "x*mean", "p"] {
            XCTAssertThrowsError(try ScoreThreshold(parsing: bad), bad)
        }
    }

    func testRandomSelectionIsSeededDeterministicAndOfTheRightSize() throws {
        let many = (0..<100).map { Double($0) }
        let a = try Selection.select(many, rule: .random(count: 30, seed: 5))
        XCTAssertEqual(a, try Selection.select(many, rule: .random(count: 30, seed: 5)))
        XCTAssertEqual(a.count, 30)
        XCTAssertEqual(Set(a).count, 30)
        XCTAssertEqual(a, a.sorted())
        XCTAssertNotEqual(a, try Selection.select(many, rule: .random(count: 30, seed: 6)))
        XCTAssertThrowsError(try Selection.select(many, rule: .random(count: 101, seed: 1)))
    }

    func testNaNScoresAreRefused() {
        XCTAssertThrowsError(try Selection.select([0.1, .nan], rule: .topRatio(0.5)))
    }
}
