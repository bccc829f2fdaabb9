import Foundation
import TestFixtures
import TestSupport
import XCTest

@testable import Reports
@testable import Scan
@testable import ScanModel

/// `salience report`, run as a user would: the built binary on a results file in a scratch directory.
final class ReportCommandTests: XCTestCase {
    func testRendersTheReportFromAResultsDirectory() throws {
        let scratch = try ScratchDirectory("report-cli")
        defer { scratch.remove() }
        let run = scratch.path("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let results = ScanResultsFixture.running
        try results.jsonData().write(to: run.appendingPathComponent("results.json"))

        let out = scratch.path("out")
        let result = try runProcess(TestEnvironment.salienceBinary, ["report", run.path, "--out", out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("in progress"), result.stdout)
        for name in ScanReport.fileNames {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        // The command adds nothing of its own: its page is the library's page for the same results.
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertEqual(html, ScanReport(results: results).html())
    }

    func testRefusesMissingAndForeignFilesByName() throws {
        let scratch = try ScratchDirectory("report-cli")
        defer { scratch.remove() }
        let missing = try runProcess(TestEnvironment.salienceBinary, ["report", scratch.path("nowhere").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("nowhere does not exist"), missing.stderr)

        let empty = try runProcess(TestEnvironment.salienceBinary, ["report", scratch.url.path])
        XCTAssertNotEqual(empty.status, 0)
        XCTAssertTrue(empty.stderr.contains("holds no results.json"), empty.stderr)

        let foreign = scratch.path("other.json")
        try Data(#"{"format": "something-else"}"#.utf8).write(to: foreign)
        let refused = try runProcess(TestEnvironment.salienceBinary, ["report", foreign.path])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("other.json: not a Salience results file"), refused.stderr)
    }
}
