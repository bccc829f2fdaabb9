import Foundation
import Shards
import TestSupport
import XCTest

final class DatasetCommandTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("cli-dataset") }
    override func tearDown() { scratch.remove() }

    func testSynthWritesAValidDatasetWithTheRequestedSizes() throws {
        let out = scratch.path("syn")
        let result = try runProcess(
            TestEnvironment.salienceBinary,
            [
                "dataset", "synth", out.path, "--utterances", "90", "--dim", "20", "--targets", "1", "--raters", "3",
                "--frames", "2-5", "--seed", "3", "--shards", "2", "--relevant", "4",
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let catalog = try DatasetCatalog(directory: out)
        XCTAssertEqual(catalog.utteranceCount(), 90)
        XCTAssertEqual(catalog.dimension, 20)
        XCTAssertEqual(catalog.targets.count, 1)
        XCTAssertEqual(catalog.shards.count, 3)
        XCTAssertEqual(catalog.shards.first?.raters, 3)
        XCTAssertEqual(catalog.extraAttributes["synthetic_relevant_dims"]?.ints?.count, 4)
        let frames = catalog.frameCount()
        XCTAssertTrue((180...450).contains(frames), "\(frames)")
        let validate = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", out.path])
        XCTAssertEqual(validate.status, 0, validate.stdout)
        // Refuses to mix a second dataset into the same directory: an error about the folder, not about how
        // the command was called, so no usage text.
        let again = try runProcess(TestEnvironment.salienceBinary, ["dataset", "synth", out.path])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already holds"), again.stderr)
        XCTAssertFalse(again.stderr.contains("Usage:"), again.stderr)
    }

    func testBadOptionsAreUserErrorsNotCrashes() throws {
        for arguments in [["--frames", "9-2"], ["--relevant", "1"], ["--task", "ranking"], ["--dim", "4"]] {
            let result = try runProcess(
                TestEnvironment.salienceBinary, ["dataset", "synth", scratch.path("x").path] + arguments)
            XCTAssertFalse(result.signalled)
            XCTAssertNotEqual(result.status, 0, "\(arguments)")
            XCTAssertTrue(result.stderr.contains("Error"), "\(arguments): \(result.stderr)")
        }
    }

    func testEveryDatasetCommandHasHelpWithAnExample() throws {
        for command in [
            ["dataset"], ["dataset", "synth"], ["dataset", "inspect"], ["dataset", "validate"],
            ["dataset", "read-bench"], ["demo"],
        ] {
            let result = try runProcess(TestEnvironment.salienceBinary, command + ["--help"])
            XCTAssertEqual(result.status, 0, "\(command)")
            XCTAssertTrue(result.stdout.contains("salience \(command.joined(separator: " "))"), result.stdout)
            XCTAssertTrue(result.stdout.contains("Example"), "\(command): \(result.stdout)")
        }
    }

    func testDemoMakesValidatesAndDescribesTheSyntheticDataset() throws {
        let out = scratch.path("demo")
        let result = try runProcess(TestEnvironment.salienceBinary, ["demo", "--out", out.path, "--no-scan"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("demo: valid"), result.stdout)
        let catalog = try DatasetCatalog(directory: out.appendingPathComponent("synthetic"))
        XCTAssertEqual(catalog.utteranceCount(), SyntheticDataset.Configuration().utterances)
    }

    func testRealVaderDatasetInspectsAndValidatesClean() throws {
        guard let vader = TestEnvironment.vaderMiniLM else {
            throw XCTSkip("../shared/datasets/vader-minilm is absent (set SALIENCE_SHARED to the shared folder)")
        }
        let validate = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", vader.path])
        XCTAssertEqual(validate.status, 0, validate.stdout + validate.stderr)
        let inspect = try runProcess(TestEnvironment.salienceBinary, ["dataset", "inspect", vader.path])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("D=384"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("typo-p15"), inspect.stdout)
    }
}
