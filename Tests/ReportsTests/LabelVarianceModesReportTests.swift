import Foundation
import TestFixtures
import XCTest

@testable import Reports
@testable import ScanModel

/// The label-variance section compares every mode with `off` (issue 21 added nll, distribution and weighted):
/// one table row per (cell, mode) whose numbers are recomputed here from the models, and one coloured series
/// per mode in the figure.
final class LabelVarianceModesReportTests: XCTestCase {
    func testEveryModeIsComparedWithOffAndDrawnInItsOwnColour() throws {
        var results = ScanResultsFixture.finished
        // The fixture's std-aux models, relabelled nll with their test metric moved by a known amount.
        let nll = results.models.filter { $0.labelVariance == .stdAux }.map { model -> TrainedModelResult in
            var copy = model
            copy.labelVariance = .nll
            copy.metrics = model.metrics.map { value in
                var moved = value
                if value.key.split == .test { moved.value += 0.01 }
                return moved
            }
            return copy
        }
        results.models += nll
        let page = try PageReader.read(ScanReport(results: results).html())
        let records = page.records("label-variance-table")
        let modes = Set(records.compactMap { $0["mode"] })
        XCTAssertEqual(modes, ["std-aux", "nll"])
        let test = ScanResults.MetricKey(split: .test, metric: .ccc)
        for record in records where record["mode"] == "nll" {
            let rule = try XCTUnwrap(results.models.first { $0.rule.label == record["rule"] }?.rule)
            let method = try XCTUnwrap(ScanSpec.Method(rawValue: record["method"] ?? ""))
            func mean(_ mode: ScanSpec.LabelVarianceMode) -> Double {
                let values = results.models.filter {
                    $0.method == method && $0.rule == rule && $0.labelVariance == mode
                }
                .compactMap { $0[test] }
                return values.reduce(0, +) / Double(values.count)
            }
            XCTAssertEqual(Double(record["mode value"] ?? "") ?? .nan, mean(.nll), accuracy: 5.1e-5)
            XCTAssertEqual(Double(record["difference"] ?? "") ?? .nan, mean(.nll) - mean(.off), accuracy: 1.1e-4)
        }
        let svg = ScanReport(results: results).html()
        for mode in [ScanSpec.LabelVarianceMode.stdAux, .nll, .off] {
            XCTAssertTrue(svg.contains(Palette.color(mode)), "\(mode) drawn in its colour")
        }
        XCTAssertNotEqual(Palette.color(.nll), Palette.color(.off))
    }
}
