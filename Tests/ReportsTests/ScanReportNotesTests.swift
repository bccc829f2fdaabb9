import Foundation
import Reports
import ScanModel
import TestFixtures
import XCTest

/// The scores section's note on a near-flat `mis-hist` (issue 18, item 12): there exactly when the scores'
/// spread across dimensions is within the histogram bias (B − 1)²/(2N) of the run's train utterances.
final class ScanReportNotesTests: XCTestCase {
    /// The fixture with its mis-hist scores replaced by `values`.
    private func results(misHist values: [Double]) throws -> ScanResults {
        var results = ScanResultsFixture.finished
        let index = try XCTUnwrap(results.scoreCurves.firstIndex { $0.method == .misHist })
        results.scoreCurves[index].mean = values
        results.scoreCurves[index].std = nil
        results.scoreCurves[index].perTarget = nil
        return results
    }

    func testNearFlatMisHistIsNotedAndASpreadOneIsNot() throws {
        let base = ScanResultsFixture.finished
        let train = try XCTUnwrap(base.run.dataset.utterances?.train)
        let bins = base.run.spec.mis.bins
        let bias = HistogramResolution.bias(observations: train, bins: bins)
        let dimensions = try XCTUnwrap(base.scoreCurves.first { $0.method == .misHist }).mean.count

        // Every dimension within half the bias of 0.38 nats: the note, naming the rule and the numbers.
        let flat = (0..<dimensions).map { 0.38 + bias * 0.5 * Double($0) / Double(dimensions) }
        let noted = ScanReport(results: try results(misHist: flat)).markdown()
        XCTAssertTrue(noted.contains("mis-hist is near-flat"), noted)
        XCTAssertTrue(noted.contains("N = \(train) observations and B = \(bins) bins"), noted)

        // A spread of three biases: no note.
        let spread = (0..<dimensions).map { 3 * bias * Double($0) / Double(dimensions - 1) }
        let clean = ScanReport(results: try results(misHist: spread)).markdown()
        XCTAssertFalse(clean.contains("near-flat"), clean)
    }
}
