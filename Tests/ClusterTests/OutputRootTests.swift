import Cluster
import Foundation
import TestSupport
import XCTest

/// What a worker may write: under its `--output-root` only (issue 16, item 3). The expected paths are built
/// by hand from the scratch directory, not by the code under test.
final class OutputRootTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var root: URL { scratch.path("out") }

    override func setUpWithError() throws {
        scratch = try ScratchDirectory("output-root")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: scratch.path("elsewhere"), withIntermediateDirectories: true)
    }
    override func tearDown() { scratch.remove() }

    private func real(_ url: URL) -> String { url.resolvingSymlinksInPath().path }

    private func assertRefused(_ path: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try OutputRoot(root).resolve(path), path, file: file, line: line) { error in
            XCTAssertEqual(
                error as? ClusterError, .pathEscapesOutputRoot(path: path, root: real(root)), file: file, line: line)
            XCTAssertTrue("\(error)".contains("'\(path)'"), "names the path: \(error)", file: file, line: line)
        }
    }

    func testRelativeAndAbsoluteInsidePathsResolveUnderTheRoot() throws {
        let output = OutputRoot(root)
        XCTAssertEqual(try output.resolve("runs/scan/models/a.h5").path, real(root) + "/runs/scan/models/a.h5")
        XCTAssertEqual(try output.resolve("runs/../runs/x").path, real(root) + "/runs/x")
        XCTAssertEqual(try output.resolve(real(root) + "/report").path, real(root) + "/report")
        XCTAssertEqual(try output.resolve(real(root)).path, real(root))
    }

    func testDotDotAbsoluteElsewhereAndNulAreRefused() {
        assertRefused("../elsewhere/report")
        assertRefused("runs/../../elsewhere")
        assertRefused(scratch.path("elsewhere").path)
        assertRefused("/etc")
        assertRefused("")
        assertRefused("a\0b")
        assertRefused(real(root) + "-sibling/report")
    }

    func testSymbolicLinksLeavingTheRootAreRefusedEvenForPathsNotYetMade() throws {
        try FileManager.default.createSymbolicLink(
            at: root.appendingPathComponent("link"), withDestinationURL: scratch.path("elsewhere"))
        assertRefused("link/runs/scan/report.html")  // "runs" does not exist yet under the link's target
        assertRefused("link")
        // A dangling link: writing through it would create its target, wherever that is.
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("dangling").path, withDestinationPath: scratch.path("nowhere/x").path)
        assertRefused("dangling/report")
        // A link that stays inside is followed.
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: root.appendingPathComponent("inner").path, withDestinationPath: "real")
        XCTAssertEqual(try OutputRoot(root).resolve("inner/x").path, real(root) + "/real/x")
    }

    func testDataRootSharesTheRuleButRefusesAbsolutePaths() throws {
        let data = DataRoot(root)
        XCTAssertEqual(try data.resolve("ds/a.h5").path, real(root) + "/ds/a.h5")
        XCTAssertThrowsError(try data.resolve(real(root) + "/ds")) {
            XCTAssertEqual($0 as? ClusterError, .pathEscapesDataRoot(path: real(root) + "/ds", root: real(root)))
        }
        XCTAssertThrowsError(try data.resolve("../elsewhere"))
    }
}
