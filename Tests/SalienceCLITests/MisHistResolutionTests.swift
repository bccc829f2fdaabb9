import Foundation
import ScanModel
import Shards
import TestSupport
import XCTest

/// `salience scores` warns when `mis-hist` cannot rank dimensions on a dataset this small: the scores'
/// spread across dimensions within the histogram estimator's bias (B − 1)²/(2N) (`HistogramResolution`).
final class MisHistResolutionTests: XCTestCase {
    private func scores(_ directory: URL, bins: Int, out: URL) throws -> ProcessResult {
        try runProcess(
            TestEnvironment.salienceBinary,
            ["scores", directory.path, "--methods", "mis-hist", "--bins", "\(bins)", "--out", out.path])
    }

    /// The spread (max − min) of the written mis-hist column.
    private func spread(_ csv: URL) throws -> Double {
        let values = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n").dropFirst()
            .compactMap { Double($0.split(separator: ",")[1]) }
        return (values.max() ?? 0) - (values.min() ?? 0)
    }

    func testWarnsWhenTheSpreadIsWithinTheBiasAndNotOtherwise() throws {
        let scratch = try ScratchDirectory("mis-hist-resolution")
        defer { scratch.remove() }
        let small = scratch.path("small")
        let synth = try runProcess(
            TestEnvironment.salienceBinary,
            [
                "dataset", "synth", small.path, "--utterances", "120", "--dim", "8", "--relevant", "2", "--targets",
                "1", "--seed", "3",
            ])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        let train = try DatasetCatalog(directory: small).utteranceCount(split: .train)

        // 32 bins on ~84 train utterances: a bias of 961/168 ≈ 5.7 nats, more than any spread can be.
        let flatCSV = scratch.path("flat.csv")
        let flat = try scores(small, bins: 32, out: flatCSV)
        XCTAssertEqual(flat.status, 0, flat.stderr)
        XCTAssertLessThanOrEqual(try spread(flatCSV), HistogramResolution.bias(observations: train, bins: 32))
        XCTAssertTrue(flat.stderr.contains("warning: mis-hist is near-flat"), flat.stderr)
        XCTAssertTrue(flat.stderr.contains("N = \(train) observations and B = 32 bins"), flat.stderr)
        XCTAssertTrue(flat.stderr.contains("Rule: warned when max − min ≤ (B − 1)²/(2N)"), flat.stderr)

        // 4 bins on 1500 utterances with planted dimensions: a bias of 9/(2N) ≈ 0.004 nats, far below the
        // planted dimensions' lead, so no warning.
        let large = scratch.path("large")
        let more = try runProcess(
            TestEnvironment.salienceBinary,
            [
                "dataset", "synth", large.path, "--utterances", "1500", "--dim", "8", "--relevant", "3", "--targets",
                "1", "--seed", "3",
            ])
        XCTAssertEqual(more.status, 0, more.stderr)
        let clearCSV = scratch.path("clear.csv")
        let clear = try scores(large, bins: 4, out: clearCSV)
        XCTAssertEqual(clear.status, 0, clear.stderr)
        let largeTrain = try DatasetCatalog(directory: large).utteranceCount(split: .train)
        XCTAssertGreaterThan(try spread(clearCSV), HistogramResolution.bias(observations: largeTrain, bins: 4))
        XCTAssertFalse(clear.stderr.contains("near-flat"), clear.stderr)
    }
}
