import Foundation
import TestFixtures
import XCTest

@testable import ScanModel

final class ScanResultsTests: XCTestCase {
    func testFinishedAndInProgressResultsRoundTripThroughJSON() throws {
        for inProgress in [false, true] {
            let results = inProgress ? ScanResultsFixture.running : ScanResultsFixture.finished
            let decoded = try ScanResults.decode(try results.jsonData())
            XCTAssertEqual(decoded, results)
        }
    }

    func testJSONUsesSnakeCaseKeysAndCarriesItsVersion() throws {
        let object =
            try JSONSerialization.jsonObject(with: try ScanResultsFixture.finished.jsonData()) as? [String: Any]
        XCTAssertEqual(object?["format"] as? String, "salience-scan-results")
        XCTAssertEqual(object?["format_version"] as? Int, 1)
        let model = (object?["models"] as? [[String: Any]])?.first
        for key in ["params_ratio", "seconds_to_best", "seconds_total", "best_epoch", "label_variance", "model_path"] {
            XCTAssertNotNil(model?[key], key)
        }
        let metric = (model?["metrics"] as? [[String: Any]])?.first
        XCTAssertEqual(Set(metric?.keys.map { $0 } ?? []), ["split", "condition", "target", "metric", "value"])
    }

    func testNaNMetricsSurviveJSON() throws {
        var results = ScanResultsFixture.finished
        results.models = [results.models[0]]
        results.models[0].metrics[0].value = .nan
        let decoded = try ScanResults.decode(try results.jsonData())
        XCTAssertTrue(decoded.models[0].metrics[0].value.isNaN)
    }

    func testForeignOrNewerFilesAreRefusedByName() throws {
        XCTAssertThrowsError(try ScanResults.decode(Data(#"{"format":"other"}"#.utf8), path: "x.json")) { error in
            XCTAssertTrue(String(describing: error).contains("x.json: not a Salience results file"))
        }
        let newer = Data(#"{"format":"salience-scan-results","format_version":99}"#.utf8)
        XCTAssertThrowsError(try ScanResults.decode(newer, path: "y.json")) { error in
            guard case .unsupportedVersion(let path, 99) = error as? ScanResultsError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(path, "y.json")
        }
        XCTAssertThrowsError(try ScanResults.decode(Data("not json".utf8), path: "z.json")) { error in
            guard case .malformed = error as? ScanResultsError else { return XCTFail("\(error)") }
        }
    }

    func testSeedStatisticsMatchTheClosedForm() {
        // mean(1, 2, 4) = 7/3; sample variance = ((−4/3)² + (−1/3)² + (5/3)²) / 2 = 7/3.
        let statistics = ScanResults.SeedStatistics([1, 2, 4])
        XCTAssertEqual(statistics.mean, 7.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(statistics.std ?? .nan, (7.0 / 3).squareRoot(), accuracy: 1e-15)
        XCTAssertNil(ScanResults.SeedStatistics([5]).std)
    }

    func testSeedSummariesAggregateEachCellAndPickTheBestDevSeed() {
        let results = ScanResultsFixture.finished
        let summaries = results.seedSummaries()
        let cells = Set(results.models.map(\.cell))
        XCTAssertEqual(summaries.count, cells.count)
        XCTAssertEqual(summaries.map(\.cell), summaries.map(\.cell).sorted())
        let test = ScanResults.MetricKey(split: .test, metric: .ccc)
        let dev = ScanResults.MetricKey(split: .dev, metric: .ccc)
        for summary in summaries {
            let models = results.models.filter { $0.cell == summary.cell }
            XCTAssertEqual(summary.seeds, [1, 2, 3])
            let values = models.compactMap { $0[test] }
            let mean = values.reduce(0, +) / 3
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 2).squareRoot()
            XCTAssertEqual(summary.metrics[test]?.mean ?? .nan, mean, accuracy: 1e-12)
            XCTAssertEqual(summary.metrics[test]?.std ?? .nan, std, accuracy: 1e-12)
            let bestDev = models.compactMap { $0[dev] }.max()
            XCTAssertEqual(summary.bestByDev.flatMap { $0[dev] }, bestDev)
        }
    }

    func testRobustnessDropComparesTheSameUtterances() {
        let results = ScanResultsFixture.finished
        let drops = results.robustnessDrops()
        XCTAssertFalse(drops.isEmpty)
        XCTAssertTrue(drops.filter { $0.metric == .ccc }.allSatisfy(\.sameUtterances))
        let model = results.models[5]
        let key = ScanResults.MetricKey(split: .test, condition: "babble-snr5", utterances: "babble-snr5", metric: .ccc)
        let clean = ScanResults.MetricKey(split: .test, condition: "clean", utterances: "babble-snr5", metric: .ccc)
        let drop = drops.first {
            $0.cell == model.cell && $0.seed == model.seed && $0.condition == "babble-snr5" && $0.split == .test
                && $0.target == nil && $0.metric == .ccc
        }
        XCTAssertEqual(drop?.drop ?? .nan, (model[key] ?? .nan) - (model[clean] ?? .nan), accuracy: 1e-15)

        // Without a clean value on the condition's utterances, the whole clean split stands in, and says so.
        var lone = model
        lone.metrics = [
            .init(.init(split: .test, metric: .ccc), 0.5),
            .init(.init(split: .test, condition: "reverb-t60", metric: .ccc), 0.3),
        ]
        var single = results
        single.models = [lone]
        let fallback = single.robustnessDrops()
        XCTAssertEqual(fallback.count, 1)
        XCTAssertEqual(fallback.first?.drop ?? .nan, -0.2, accuracy: 1e-15)
        XCTAssertEqual(fallback.first?.sameUtterances, false)
    }

    func testRobustnessSummariesAverageTheDropsOverSeeds() {
        let results = ScanResultsFixture.finished
        let summaries = results.robustnessSummaries()
        // One per (cell, distorted condition).
        XCTAssertEqual(summaries.count, Set(results.models.map(\.cell)).count * 2)
        let first = summaries[0]
        let drops = results.robustnessDrops().filter {
            $0.cell == first.cell && $0.condition == first.condition && $0.split == .test && $0.target == nil
                && $0.metric == .ccc
        }
        XCTAssertEqual(drops.count, 3)
        XCTAssertEqual(first.drop.mean, drops.map(\.drop).reduce(0, +) / 3, accuracy: 1e-12)
    }

    func testLabelVarianceComparisonsPairBothModes() {
        let results = ScanResultsFixture.finished
        let comparisons = results.labelVarianceComparisons()
        XCTAssertEqual(comparisons.count, Set(results.models.map { "\($0.method) \($0.rule)" }).count)
        for comparison in comparisons {
            let key = ScanResults.MetricKey(split: .test, metric: .ccc)
            let on = results.models.filter {
                $0.method == comparison.method && $0.rule == comparison.rule && $0.labelVariance == .stdAux
            }.compactMap { $0[key] }
            XCTAssertEqual(comparison.on.mean, on.reduce(0, +) / Double(on.count), accuracy: 1e-12)
        }
    }

    func testSelectionRuleSpellingsRoundTripAndSort() {
        let rules: [ScanResults.SelectionRule] = [.full, .threshold(.percentile(75)), .ratio(0.5), .ratio(0.1)]
        for rule in rules { XCTAssertEqual(ScanResults.SelectionRule(spelling: rule.description), rule) }
        XCTAssertEqual(rules.sorted(), [.ratio(0.1), .ratio(0.5), .threshold(.percentile(75)), .full])
        XCTAssertEqual(ScanResults.SelectionRule.ratio(0.25).label, "25%")
        XCTAssertNil(ScanResults.SelectionRule(spelling: "ratio:x"))
    }

    func testScoreRankingBreaksTiesToTheLowerIndex() {
        let curve = ScanResults.ScoreCurve(method: .ccs, quantity: "q", mean: [0.1, 0.5, 0.5, 0.9])
        XCTAssertEqual(curve.ranking, [3, 1, 2, 0])
    }
}
