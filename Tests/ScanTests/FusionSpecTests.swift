import Foundation
import XCTest

@testable import ScanModel

/// The `[fusion]` section of a scan spec: read, written back, and refused with field and reason.
final class FusionSpecTests: XCTestCase {
    private let head = """
        [dataset]
        directory = "d"
        [selection]
        methods = ["ccs", "pca", "full"]
        ratios = [0.5, 1.0]

        """

    private func problems(_ toml: String) -> [ScanSpecProblem] {
        do {
            _ = try ScanSpec.parse(toml: toml)
            return []
        } catch let error as ScanSpecError {
            return error.problems
        } catch {
            XCTFail("unexpected error \(error)")
            return []
        }
    }

    func testFusionSectionReadsAndRoundTripsThroughTOMLText() throws {
        let spec = try ScanSpec.parse(
            toml: head + """
                [fusion]
                members = [["full", "full"], ["ccs", "ratio:0.5"]]
                methods = ["mean", "learned"]
                """)
        XCTAssertEqual(
            spec.fusion,
            ScanSpec.Fusion(
                members: [.init(method: .full, rule: .full), .init(method: .ccs, rule: .ratio(0.5))],
                methods: [.mean, .learned]))
        XCTAssertEqual(try ScanSpec.parse(toml: spec.tomlText()), spec)
        // A multi-line member list (each pair on its own line starting with '[') passes the precheck.
        let multiLine = try ScanSpec.parse(
            toml: head + """
                [fusion]
                members = [
                  ["full", "full"],
                  ["ccs", "ratio:0.5"],
                ]
                """)
        XCTAssertEqual(multiLine.fusion?.methods, ScanSpec.Fusion.Method.allCases)
    }

    func testSpecWithoutFusionWritesNoFusionSectionAndNoJSONKey() throws {
        let spec = try ScanSpec.parse(toml: head)
        XCTAssertNil(spec.fusion)
        XCTAssertFalse(spec.tomlText().contains("fusion"))
        let json = String(decoding: try JSONEncoder().encode(spec), as: UTF8.self)
        XCTAssertFalse(json.contains("fusion"), json)
    }

    func testBadFusionSectionsAreRefusedNamingFieldAndReason() {
        func reasons(_ fusion: String) -> [String: String] {
            Dictionary(
                problems(head + "[fusion]\n" + fusion).map { ($0.field, $0.message) }, uniquingKeysWith: { a, _ in a })
        }
        let one = reasons("members = [[\"full\", \"full\"]]")
        XCTAssertEqual(one["fusion.members"].map { $0.contains("at least two") }, true, "\(one)")

        let unknown = reasons("members = [[\"full\", \"full\"], [\"cca\", \"ratio:0.5\"], [\"ccs\", \"top:3\"]]")
        XCTAssertEqual(unknown["fusion.members[1]"].map { $0.contains("unknown method \"cca\"") }, true, "\(unknown)")
        XCTAssertEqual(unknown["fusion.members[2]"].map { $0.contains("unknown rule \"top:3\"") }, true, "\(unknown)")

        let cells = reasons(
            "members = [[\"full\", \"full\"], [\"ccs\", \"ratio:0.3\"], [\"mis\", \"ratio:0.5\"], "
                + "[\"pca\", \"ratio:0.5\"], [\"full\", \"full\"], [\"ccs\", \"full\"], [\"ccs\", \"threshold:mean\"]]")
        XCTAssertEqual(cells["fusion.members[1]"].map { $0.contains("not in selection.ratios") }, true, "\(cells)")
        XCTAssertEqual(cells["fusion.members[2]"].map { $0.contains("not in selection.methods") }, true, "\(cells)")
        XCTAssertEqual(cells["fusion.members[3]"].map { $0.contains("projection") }, true, "\(cells)")
        XCTAssertEqual(cells["fusion.members[4]"].map { $0.contains("listed twice") }, true, "\(cells)")
        XCTAssertEqual(cells["fusion.members[5]"].map { $0.contains("has no rule") }, true, "\(cells)")
        XCTAssertEqual(cells["fusion.members[6]"].map { $0.contains("threshold") }, true, "\(cells)")

        let methods = reasons("members = [[\"full\", \"full\"], [\"ccs\", \"ratio:0.5\"]]\nmethods = [\"median\"]")
        XCTAssertEqual(methods["fusion.methods[0]"].map { $0.contains("unknown fusion method") }, true, "\(methods)")
        let shape = reasons("members = [\"full\", \"ccs\"]\nmethod = [\"mean\"]")
        XCTAssertEqual(shape["fusion.members[0]"].map { $0.contains("[method, rule] pair") }, true, "\(shape)")
        XCTAssertEqual(shape["fusion.method"].map { $0.contains("did you mean \"methods\"") }, true, "\(shape)")
        XCTAssertNotNil(reasons("methods = [\"mean\"]")["fusion.members"])
    }
}
