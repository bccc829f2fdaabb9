import Foundation
import TestSupport
import XCTest

@testable import Scan
@testable import ScanModel

/// Scientific sanity on real data (opt-in, minutes of CPU: `SALIENCE_SLOW_TESTS=1`): a scan over CCS, MIS,
/// PCA, IG and random at ratios 0.2–1.0 with 3 seeds on ../shared/datasets/vader-minilm completes, and its
/// report shows each method's test CCC at each ratio beside the full-width decoder.
final class VaderScanTests: XCTestCase {
    func testVaderScanCompletesAndReportsEveryMethodAtEveryRatio() throws {
        try OptInScan.requireSlowTests("a 78-model scan")
        guard let vader = TestEnvironment.vaderMiniLM else {
            throw XCTSkip("../shared/datasets/vader-minilm is absent (set SALIENCE_SHARED to the shared folder)")
        }
        let scratch = try ScratchDirectory("salience-vader-scan")
        defer { scratch.remove() }
        var spec = ScanSpec(datasetDirectory: vader.lastPathComponent, name: "vader-minilm sanity")
        spec.selection.methods = [.ccs, .mis, .pca, .ig, .random, .full]
        spec.selection.ratios = [0.2, 0.4, 0.6, 0.8, 1.0]
        spec.selection.thresholds = []
        spec.ig.steps = 16
        spec.decoder = OptInScan.smallDecoder
        spec.training.seeds = [1, 2, 3]
        spec.training.epochs = 10
        spec.training.patience = 3
        let results = try OptInScan.run(spec, dataset: vader, scratch: scratch)
        XCTAssertEqual(results.run.status, .succeeded)
        let testCCC = ScanResults.MetricKey(split: .test, metric: .ccc)
        let full = results.models.filter { $0.method == .full }.compactMap { $0[testCCC] }
        XCTAssertEqual(full.count, 3)
        let fullMean = full.reduce(0, +) / 3
        XCTAssertGreaterThan(fullMean, 0.3, "the full-width decoder should learn valence")
        let markdown = try String(
            contentsOf: scratch.path("report").appendingPathComponent("report.md"), encoding: .utf8)
        for method in [ScanSpec.Method.ccs, .mis, .pca, .ig, .random] {
            for ratio in spec.selection.ratios {
                let values = results.models.filter { $0.method == method && $0.rule == .ratio(ratio) }.compactMap {
                    $0[testCCC]
                }
                XCTAssertEqual(values.count, 3, "\(method) \(ratio)")
            }
            XCTAssertTrue(markdown.contains(method.rawValue), "report.md lacks \(method)")
        }
        // Salient selections beat random ones of the same size at the smallest ratio (20% of 384 dims).
        func mean(_ method: ScanSpec.Method) -> Double {
            let values = results.models.filter { $0.method == method && $0.rule == .ratio(0.2) }.compactMap {
                $0[testCCC]
            }
            return values.reduce(0, +) / Double(max(1, values.count))
        }
        XCTAssertGreaterThan(mean(.ccs), mean(.random) - 0.02)
    }
}
