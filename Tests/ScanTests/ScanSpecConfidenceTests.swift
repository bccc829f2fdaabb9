import Foundation
import Numerics
import XCTest

@testable import ScanModel

/// `[confidence]` and `stable:π` in a spec: parsed, written back, and refused where they cannot work, each
/// problem naming its field and, for the size bound, the numbers.
final class ScanSpecConfidenceTests: XCTestCase {
    func testConfidenceParsesAndWritesBack() throws {
        let spec = try ScanSpec.parse(
            toml: """
                [dataset]
                directory = "d"
                [selection]
                methods = ["ccs", "mis"]
                thresholds = ["mean", "stable:0.8"]
                [confidence]
                replicates = 100
                seed = 3
                """)
        XCTAssertEqual(spec.confidence, ScanSpec.Confidence(replicates: 100, seed: 3))
        XCTAssertEqual(spec.selection.thresholds, [.mean, .stable(0.8)])
        XCTAssertEqual(try ScanSpec.parse(toml: spec.tomlText()), spec)
        XCTAssertNil(try ScanSpec.parse(toml: "[dataset]\ndirectory = \"d\"").confidence)
        XCTAssertTrue(spec.carriesReplicates(.mis), "KSG is resampled unless turned off")
        let off = try ScanSpec.parse(
            toml: "[dataset]\ndirectory = \"d\"\n[confidence]\nreplicates = 10\nmis = false\n")
        XCTAssertEqual(off.confidence?.mis, false)
        XCTAssertFalse(off.carriesReplicates(.mis))
        XCTAssertTrue(off.carriesReplicates(.ccs))
        XCTAssertEqual(try ScanSpec.parse(toml: off.tomlText()), off)
        XCTAssertThrowsError(
            try ScanSpec.parse(toml: "[dataset]\ndirectory = \"d\"\n[confidence]\nreplicates = 10\nmis = 3\n"))
    }

    func testBadReplicatesAndStableFractionsAreRefusedNamingTheField() {
        func problems(_ toml: String) -> [ScanSpecProblem] {
            do {
                _ = try ScanSpec.parse(toml: "[dataset]\ndirectory = \"d\"\n" + toml)
                return []
            } catch ScanSpecError.invalid(_, let problems) {
                return problems
            } catch {
                return [ScanSpecProblem("?", "\(error)")]
            }
        }
        for bad in ["0", "1", "-5", "1001"] {
            let found = problems("[confidence]\nreplicates = \(bad)")
            XCTAssertEqual(found.map(\.field), ["confidence.replicates"], bad)
            XCTAssertTrue(found.first?.message.contains("2...1000") == true, bad)
        }
        XCTAssertEqual(problems("[confidence]\nreplicates = 2.5").map(\.field), ["confidence.replicates"])
        for bad in ["stable:0", "stable:1.5", "stable:-0.2"] {
            let found = problems("[selection]\nthresholds = [\"\(bad)\"]\n[confidence]\nreplicates = 50")
            XCTAssertEqual(found.map(\.field), ["selection.thresholds[0]"], bad)
            XCTAssertTrue(found.first?.message.contains("(0, 1]") == true, found.description)
        }
        XCTAssertEqual(
            problems("[selection]\nthresholds = [\"stable:1\"]\n[confidence]\nreplicates = 50").map(\.field), [])
        let missing = problems("[selection]\nthresholds = [\"stable:0.9\"]")
        XCTAssertEqual(missing.map(\.field), ["selection.thresholds"])
        XCTAssertTrue(missing.first?.message.contains("[confidence]") == true)
    }

    func testReplicatesOverThePartialBoundAreRefusedAgainstTheDatasetWithTheNumbers() throws {
        var spec = ScanSpec(datasetDirectory: "d")
        spec.confidence = ScanSpec.Confidence(replicates: 1000)
        let wide = DatasetFacts(
            targets: ["a", "b", "c"], conditions: ["clean"], dimension: 1024, task: "regression", hasRaterSpread: false)
        let found = spec.validate(against: wide)
        XCTAssertEqual(found.map(\.field), ["confidence.replicates"])
        let bytes = BootstrapLimits.momentsBytes(replicates: 1000, dimensions: 1024, targets: 3)
        XCTAssertTrue(found[0].message.contains("\(bytes) bytes"), found[0].message)
        XCTAssertTrue(found[0].message.contains("at most 817"), found[0].message)
        spec.confidence = ScanSpec.Confidence(replicates: 817)
        XCTAssertEqual(spec.validate(against: wide), [])
        spec.confidence = ScanSpec.Confidence(replicates: 818)
        XCTAssertEqual(spec.validate(against: wide).count, 1)
    }
}
