import Foundation
import TestSupport
import XCTest

@testable import ScanModel

/// What the opt-in real-data scans share: the `SALIENCE_SLOW_TESTS=1` gate, the small TC-GRU they train,
/// and running `salience scan` on 2 local workers to a results.json.
enum OptInScan {
    /// Skips unless `SALIENCE_SLOW_TESTS=1`, saying what the test is.
    static func requireSlowTests(_ what: String) throws {
        guard ProcessInfo.processInfo.environment["SALIENCE_SLOW_TESTS"] == "1" else {
            throw XCTSkip("slow (\(what)): set SALIENCE_SLOW_TESTS=1 to run it")
        }
    }

    /// The small decoder of the opt-in scans: TC-GRU, 32 channels, kernel 3, one GRU layer of 32, FF 32.
    static let smallDecoder = ScanSpec.Decoder(
        kind: .tcGRU, convChannels: 32, kernel: 3, gruUnits: 32, gruLayers: 1, ffUnits: 32, dropout: 0.2)

    /// Runs `spec` (its output directory set to `scratch/report`) over `dataset` on 2 local workers and loads
    /// the results; the scan must succeed.
    static func run(
        _ spec: ScanSpec, dataset: URL, scratch: ScratchDirectory, file: StaticString = #filePath, line: UInt = #line
    ) throws -> ScanResults {
        var spec = spec
        spec.output.directory = scratch.path("report").path
        let specURL = scratch.path("spec.toml")
        try spec.tomlText().write(to: specURL, atomically: true, encoding: .utf8)
        let result = try runProcess(
            TestEnvironment.salienceBinary,
            ["scan", specURL.path, "--data-root", dataset.deletingLastPathComponent().path, "--workers", "2"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr, file: file, line: line)
        return try ScanResults.load(contentsOf: scratch.path("report").appendingPathComponent("results.json"))
    }
}
