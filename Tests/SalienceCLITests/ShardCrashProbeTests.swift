import Foundation
import TestSupport
import XCTest

/// A file that crashes Debian's libhdf5 1.10 (SIGSEGV while reading its headers; a finding of the shard fuzz
/// target, kept in Hostile/) among valid shards: `dataset validate` and a scan's catalog open the headers in a
/// child process first, so the file is refused by name and neither command nor worker dies with it.
final class ShardCrashProbeTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("cli-crash-probe") }
    override func tearDown() { scratch.remove() }

    /// A valid synthetic dataset `data/syn` with the crashing file beside its shards as `zz-000.h5`.
    private func poisonedDataset() throws -> URL {
        let dataset = scratch.path("data/syn")
        let made = try runProcess(
            TestEnvironment.salienceBinary,
            ["dataset", "synth", dataset.path, "--utterances", "60", "--dim", "16", "--seed", "2"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let fixture = TestEnvironment.packageRoot.appendingPathComponent(
            "Tests/SalienceCLITests/Hostile/libhdf5-segfault.h5")
        try FileManager.default.copyItem(at: fixture, to: dataset.appendingPathComponent("zz-000.h5"))
        return dataset
    }

    func testValidateNamesTheFileThatCrashesLibHDF5AndLives() throws {
        let dataset = try poisonedDataset()
        let result = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", dataset.path])
        XCTAssertFalse(result.signalled, "validate crashed: \(result.stderr)")
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(
            result.stdout.contains("zz-000.h5: libhdf5 crashed reading its headers (signal 11"), result.stdout)
        XCTAssertFalse(result.stdout.contains("synthetic-000.h5"), "only the crashing file is named")
    }

    func testAScanRefusesTheFileByNameAndNoWorkerDies() throws {
        let dataset = try poisonedDataset()
        let spec = scratch.path("spec.toml")
        try """
        [dataset]
        directory = "syn"
        [selection]
        methods = ["ccs"]
        [output]
        directory = "\(scratch.path("out").path)"
        """.write(to: spec, atomically: true, encoding: .utf8)
        let result = try runProcess(
            TestEnvironment.salienceBinary,
            ["scan", spec.path, "--data-root", dataset.deletingLastPathComponent().path, "--workers", "1"])
        XCTAssertFalse(result.signalled, "the scan crashed: \(result.stderr)")
        XCTAssertNotEqual(result.status, 0)
        let output = result.stdout + result.stderr
        XCTAssertTrue(output.contains("zz-000.h5"), output)
        XCTAssertTrue(output.contains("libhdf5 crashed"), output)
    }
}
