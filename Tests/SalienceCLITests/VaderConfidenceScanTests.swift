import Foundation
import TestSupport
import XCTest

@testable import ScanModel

/// Issue 20 on real data (opt-in, a few minutes of CPU: `SALIENCE_SLOW_TESTS=1`): a scan of vader-minilm with
/// B = 100 bootstrap replicates over CCS, MIS and IG at 60 %, the `mean` and `stable:0.8` rules, 3 seeds. It
/// prints what the README quotes (each method's stability with its interval, the agreement matrix, stable
/// against top-ratio test CCC) and asserts the report carries them, not which way they come out.
final class VaderConfidenceScanTests: XCTestCase {
    func testVaderScanReportsStabilityAndAgreementOfEveryScoringMethod() throws {
        try OptInScan.requireSlowTests("a 33-model scan with 100 replicates")
        guard let vader = TestEnvironment.vaderMiniLM else {
            throw XCTSkip("../shared/datasets/vader-minilm is absent (set SALIENCE_SHARED to the shared folder)")
        }
        let scratch = try ScratchDirectory("salience-vader-confidence")
        defer { scratch.remove() }
        var spec = ScanSpec(datasetDirectory: vader.lastPathComponent, name: "vader-minilm: how sure is a selection")
        spec.selection.methods = [.ccs, .mis, .ig, .random, .full]
        spec.selection.ratios = [0.6]
        spec.selection.thresholds = [.mean, .stable(0.8)]
        spec.decoder = OptInScan.smallDecoder
        spec.training.seeds = [1, 2, 3]
        spec.training.epochs = 40
        spec.training.patience = 5
        spec.confidence = ScanSpec.Confidence(replicates: 100)
        let results = try OptInScan.run(spec, dataset: vader, scratch: scratch)
        let confidence = try XCTUnwrap(results.confidence)
        XCTAssertEqual(confidence.replicates, 100)
        XCTAssertTrue(confidence.notCovered.isEmpty, "\(confidence.notCovered)")
        var lines = [String]()
        for method in [ScanSpec.Method.ccs, .mis, .ig] {
            let entry = try XCTUnwrap(confidence.method(method), "\(method): no confidence")
            let top = try XCTUnwrap(entry.rules.first { $0.rule == .ratio(0.6) })
            XCTAssertLessThanOrEqual(top.stabilityLow, top.stability)
            XCTAssertLessThanOrEqual(top.stability, top.stabilityHigh)
            XCTAssertEqual(top.meanK, 230, accuracy: 1e-9, "a top ratio keeps k in every replicate")
            lines.append(
                String(
                    format: "%@ top 60%%: stability %.3f [%.3f, %.3f], %d of 230 kept in >= 90%% of replicates",
                    method.rawValue, top.stability, top.stabilityLow, top.stabilityHigh,
                    top.selectionProbability.filter { $0 >= 0.9 }.count))
        }
        let pairs = confidence.agreement.filter { $0.measure == "spearman" }
        XCTAssertEqual(pairs.count, 3)
        for pair in confidence.agreement where pair.rule == nil || pair.rule == .ratio(0.6) {
            lines.append(
                String(
                    format: "%@ %@-%@: %.3f [%.3f, %.3f]%@", pair.measure, pair.methods[0].rawValue,
                    pair.methods[1].rawValue, pair.value, pair.low ?? .nan, pair.high ?? .nan,
                    pair.random.map { String(format: " (random pair %.3f)", $0) } ?? ""))
        }
        let markdown = try String(
            contentsOf: scratch.path("report").appendingPathComponent("report.md"), encoding: .utf8)
        XCTAssertTrue(markdown.contains("Confidence, stability and agreement"))
        XCTAssertTrue(markdown.contains("stable:0.8"))
        print("vader-minilm confidence:\n  " + lines.joined(separator: "\n  "))
    }
}
