import Cluster
import Foundation
import Scan
import Shards
import TestSupport
import XCTest

/// A scan whose spec names an output directory outside the worker's `--output-root` writes nothing there:
/// the tasks that would write fail naming the path, and the run fails (issue 16, item 3: a detached scan had
/// a worker write 38 files outside its roots). Real coordinator, real worker, real sockets.
final class OutputRootScanTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws {
        scratch = try ScratchDirectory("scan-output-root")
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 60
        configuration.dimension = 8
        configuration.relevantDimensions = 4
        configuration.shards = 1
        try SyntheticDataset(configuration: configuration).write(to: scratch.path("data/syn"))
        for name in ["out", "client/sub"] {
            try FileManager.default.createDirectory(at: scratch.path(name), withIntermediateDirectories: true)
        }
    }
    override func tearDown() { scratch.remove() }

    private func spec(output: String) -> ScanSpec {
        var spec = ScanSpec(datasetDirectory: "syn", name: "escape")
        spec.selection.methods = [.ccs]
        spec.selection.ratios = [0.5]
        spec.selection.thresholds = []
        spec.decoder = ScanSpec.Decoder(
            kind: .gruFF, convChannels: 0, kernel: 0, gruUnits: 2, gruLayers: 1, ffUnits: 2, dropout: 0)
        spec.training.seeds = [1]
        spec.training.epochs = 1
        spec.training.labelVariance = [.off]
        spec.output.directory = output
        return spec
    }

    func testWorkerRefusesToWriteOutsideItsOutputRoot() throws {
        let endpoint = "ipc://\(scratch.path("c.ipc").path)"
        let coordinator = Process()
        coordinator.executableURL = TestEnvironment.salienceBinary
        coordinator.arguments = [
            "coordinator", "--bind", endpoint, "--state", scratch.path("state").path, "--log-level", "error",
        ]
        let worker = Process()
        worker.executableURL = TestEnvironment.salienceBinary
        worker.arguments = [
            "worker", "--connect", endpoint, "--data-root", scratch.path("data").path, "--output-root",
            scratch.path("out").path, "--log-level", "error",
        ]
        try coordinator.run()
        defer {
            worker.terminate()
            coordinator.terminate()
            worker.waitUntilExit()
            coordinator.waitUntilExit()
        }
        try worker.run()
        // Relative to the worker's output root scratch/out, "../escape" is scratch/escape.
        let specURL = scratch.path("escape.toml")
        try spec(output: "../escape").tomlText().write(to: specURL, atomically: true, encoding: .utf8)
        // The client follows from scratch/client/sub, so its own local report lands in scratch/client/escape.
        let result = try runProcess(
            TestEnvironment.salienceBinary, ["scan", specURL.path, "--to", endpoint],
            currentDirectory: scratch.path("client/sub"))
        XCTAssertNotEqual(result.status, 0, "the run must fail: \(result.stdout)\(result.stderr)")
        XCTAssertTrue(
            result.stderr.contains("output path '../escape/models/")
                && result.stderr.contains("escapes the output root"),
            result.stderr)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: scratch.path("escape").path), "the worker wrote outside its root")
    }

    func testEmbeddedScanRefusesAnOutputDirectoryOutsideAGivenRootBeforeStarting() throws {
        let specURL = scratch.path("embedded.toml")
        try spec(output: scratch.path("escape").path).tomlText().write(to: specURL, atomically: true, encoding: .utf8)
        let result = try runProcess(
            TestEnvironment.salienceBinary,
            [
                "scan", specURL.path, "--data-root", scratch.path("data").path, "--output-root",
                scratch.path("out").path,
                "--workers", "1",
            ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("escapes the output root"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("escape").path))
    }
}
