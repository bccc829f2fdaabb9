import Foundation
import TestFixtures
import TestSupport
import XCTest

@testable import Reports
@testable import ScanModel

/// The confidence section: present only when the results have bootstrap replicates, with the band figure, the
/// stability of every rule as the results give it, and the agreement matrix symmetric with 1 on its diagonal.
final class ScanReportConfidenceTests: XCTestCase {
    func testConfidenceSectionShowsStabilityAndAgreementOnlyWithReplicates() throws {
        XCTAssertFalse(ScanReport(results: ScanResultsFixture.finished).html().contains("id=\"confidence\""))
        let results = ScanResultsFixture.confident
        let html = ScanReport(results: results).html()
        XCTAssertTrue(html.contains("<section id=\"confidence\">"))
        XCTAssertTrue(html.contains("confidence-ccs"), "the score band figure")
        XCTAssertTrue(html.contains("Stability of each rule"))
        let confidence = try XCTUnwrap(results.confidence)
        let ccs = try XCTUnwrap(confidence.method(.ccs))
        for rule in ccs.rules {
            XCTAssertTrue(html.contains(Markup.number(rule.stability, decimals: 3)), "\(rule.rule) stability")
        }
        // The matrix: methods as rows and columns, 1 on the diagonal, the same text either side of it.
        let start = try XCTUnwrap(html.range(of: "id=\"agreement-spearman\""))
        let end = try XCTUnwrap(html.range(of: "</table>", range: start.upperBound..<html.endIndex))
        let rows = html[start.upperBound..<end.lowerBound].components(separatedBy: "<tr>").dropFirst(2).map { row in
            row.components(separatedBy: "<td>").dropFirst().map { $0.components(separatedBy: "</td>")[0] }
        }
        XCTAssertEqual(rows.count, 4)
        for (i, row) in rows.enumerated() {
            XCTAssertEqual(row[i + 1], "1")
            for j in rows.indices { XCTAssertEqual(row[j + 1], rows[j][i + 1], "cell \(i), \(j)") }
        }
        let markdown = ScanReport(results: results).markdown()
        XCTAssertTrue(markdown.contains("Confidence, stability and agreement"))
    }
}
