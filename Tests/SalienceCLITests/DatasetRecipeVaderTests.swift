// The vader-minilm recipe end to end on the first 40 lexicon entries: real all-MiniLM-L6-v2 frames, checked
// against the lexicon (read independently) and, token by token, against the shared reference dataset.
// Opt-in: its venv (torch, transformers, the model; ~1.5 GB) takes minutes to install, so the test runs
// when SALIENCE_RECIPE_TESTS=1 (preparing the venv if needed) or when the venv is already prepared.
import Foundation
import TestSupport
import XCTest

final class DatasetRecipeVaderTests: XCTestCase {
    /// Where datasets/vader-minilm/build keeps its venv (same rule as the script).
    private var venv: URL {
        if let path = ProcessInfo.processInfo.environment["SALIENCE_RECIPES_VENV"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return TestEnvironment.packageRoot.appendingPathComponent("datasets/.venv-recipes")
    }

    func testLimit40BuildsValidShardsMatchingTheLexiconAndTheSharedDataset() throws {
        let optedIn = ProcessInfo.processInfo.environment["SALIENCE_RECIPE_TESTS"] == "1"
        let prepared = FileManager.default.fileExists(atPath: venv.appendingPathComponent(".salience-recipes-v1").path)
        guard optedIn || prepared else {
            throw XCTSkip(
                "the vader-minilm recipe needs its venv (torch + transformers + the model, minutes to install): "
                    + "set SALIENCE_RECIPE_TESTS=1 to prepare it and run this test")
        }
        let scratch = try ScratchDirectory("vader-recipe")
        defer { scratch.remove() }
        let out = scratch.path("vader-40")

        let built = try runProcess(DatasetRecipe.vaderBuild, ["--out", out.path, "--limit", "40", "--shards", "4"])
        XCTAssertEqual(built.status, 0, built.stderr)
        guard built.status == 0 else { return }
        XCTAssertEqual(
            DatasetRecipe.shardNames(in: out),
            [
                "vader-minilm-000.h5", "vader-minilm-001.h5", "vader-minilm-002.h5", "vader-minilm-003.h5",
                "vader-minilm-typo.h5",
            ])

        let python = venv.appendingPathComponent("bin/python")
        let shards = try DatasetRecipe.validate(out, python: python)
        XCTAssertEqual(shards.count, 5)
        for shard in shards {
            XCTAssertEqual(shard["D"] as? Int, 384)
            XCTAssertEqual(shard["targets"] as? [String], ["valence"])
            XCTAssertEqual(shard["task"] as? String, "regression")
        }
        XCTAssertEqual(
            shards.filter { $0["condition"] as? String == "clean" }.compactMap { $0["N"] as? Int }.reduce(0, +), 40)
        XCTAssertEqual(shards.last?["condition"] as? String, "typo-p15")

        var arguments = [DatasetRecipe.helper("recipe_fixture.py").path, "check-vader", out.path]
        if let shared = TestEnvironment.vaderMiniLM { arguments.append(shared.path) }
        let check = try runProcess(python, arguments)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        if TestEnvironment.vaderMiniLM != nil {
            XCTAssertTrue(check.stdout.contains("\"compared\": 40"), check.stdout)
        }
    }
}
