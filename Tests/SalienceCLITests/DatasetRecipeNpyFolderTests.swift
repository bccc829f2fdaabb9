// The npy-folder recipe (datasets/npy-folder/npy_to_shards.py) on tiny folders made by numpy in the test:
// its shards obey the format rules and hold exactly the inputs; spoiled inputs are refused by name.
import Foundation
import TestSupport
import XCTest

final class DatasetRecipeNpyFolderTests: XCTestCase {
    private var python: URL!
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws {
        python = try DatasetRecipe.referencePython()
        scratch = try ScratchDirectory("npy-recipe")
    }

    override func tearDown() {
        scratch?.remove()
    }

    /// Makes a fixture folder (feats/, noisy/, labels.csv) with `recipe_fixture.py make-npy`.
    private func makeFixture(_ name: String, breaking kind: String? = nil, dimension: Int? = nil) throws -> URL {
        let directory = scratch.path(name)
        var arguments = [DatasetRecipe.helper("recipe_fixture.py").path, "make-npy", directory.path]
        if let kind { arguments += ["--break", kind] }
        if let dimension { arguments += ["--dim", "\(dimension)"] }
        let made = try runProcess(python, arguments)
        XCTAssertEqual(made.status, 0, made.stderr)
        return directory
    }

    private func runRecipe(_ fixture: URL, out: URL, extra: [String] = []) throws -> ProcessResult {
        try runProcess(
            python,
            [
                DatasetRecipe.npyFolderScript.path, "--frames", fixture.appendingPathComponent("feats").path,
                "--labels", fixture.appendingPathComponent("labels.csv").path, "--encoder", "test frames",
                "--out", out.path,
            ] + extra)
    }

    func testShardsAreValidAndHoldTheInputs() throws {
        let fixture = try makeFixture("ok")
        let out = scratch.path("out")
        let result = try runRecipe(
            fixture, out: out,
            extra: [
                "--shards", "3", "--distorted", fixture.appendingPathComponent("noisy").path, "--condition", "noise",
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(DatasetRecipe.shardNames(in: out), ["out-000.h5", "out-001.h5", "out-002.h5", "out-noise.h5"])

        let shards = try DatasetRecipe.validate(out, python: python)
        XCTAssertEqual(shards.count, 4)
        for shard in shards {
            XCTAssertEqual(shard["D"] as? Int, 6)
            XCTAssertEqual(shard["dtype"] as? String, "float32")
            XCTAssertEqual(shard["compression"] as? String, "gzip")
            XCTAssertNotNil(shard["chunks"] as? [Int], "embeddings must be chunked")
        }
        XCTAssertEqual(
            shards.filter { $0["condition"] as? String == "clean" }.compactMap { $0["N"] as? Int }.reduce(0, +), 10)

        let check = try runProcess(
            python, [DatasetRecipe.helper("recipe_fixture.py").path, "check-npy", fixture.path, out.path])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
    }

    func testBothValidatorsRefuseAShardWhoseOffsetsDoNotIncrease() throws {
        // The check above is only worth something if the validators can say no.
        let fixture = try makeFixture("spoiled")
        let out = scratch.path("spoiled-out")
        XCTAssertEqual(try runRecipe(fixture, out: out, extra: ["--shards", "2"]).status, 0)
        let shard = out.appendingPathComponent("spoiled-out-001.h5")
        let spoiled = try runProcess(
            python, [DatasetRecipe.helper("recipe_fixture.py").path, "spoil-offsets", shard.path])
        XCTAssertEqual(spoiled.status, 0, spoiled.stderr)
        let salience = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", out.path])
        XCTAssertEqual(salience.status, 1, salience.stdout)
        XCTAssertTrue((salience.stdout + salience.stderr).contains("spoiled-out-001.h5"), salience.stdout)
        XCTAssertTrue((salience.stdout + salience.stderr).contains("offsets"), salience.stdout)
        let independent = try runProcess(python, [DatasetRecipe.helper("validate_shards.py").path, out.path])
        XCTAssertEqual(independent.status, 1, independent.stdout)
        XCTAssertTrue(independent.stdout.contains("spoiled-out-001.h5: offsets: index 2"), independent.stdout)
    }

    func testFloat16KeepsTheInputsRoundedToHalfPrecision() throws {
        let fixture = try makeFixture("ok16")
        let out = scratch.path("out16")
        let result = try runRecipe(
            fixture, out: out,
            extra: ["--float16", "--distorted", fixture.appendingPathComponent("noisy").path, "--condition", "noise"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let shards = try DatasetRecipe.validate(out, python: python)
        XCTAssertEqual(shards.compactMap { $0["dtype"] as? String }, ["float16", "float16"])
        let check = try runProcess(
            python, [DatasetRecipe.helper("recipe_fixture.py").path, "check-npy", fixture.path, out.path, "--float16"])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
    }

    func testSpoiledInputsAreRefusedNamingTheCulprit() throws {
        // kind of spoiling -> what the one-line error must name
        let expectations: [(String, [String])] = [
            ("missing-file", ["utt-03.npy", "no .npy file"]),
            ("shape-mismatch", ["utt-04.npy", "D=5", "D=6"]),
            ("nan", ["utt-06.npy", "non-finite", "frame 0, column 2"]),
            ("unknown-split", ["labels.csv:7", "utt-05", "unknown split 'validation'"]),
            ("duplicate-id", ["labels.csv:12", "duplicate id 'utt-02'", "line 4"]),
        ]
        for (kind, fragments) in expectations {
            let fixture = try makeFixture(kind, breaking: kind)
            let out = scratch.path("out-\(kind)")
            let result = try runRecipe(fixture, out: out, extra: ["--shards", "2"])
            XCTAssertEqual(result.status, 1, "\(kind): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("npy-folder: error:"), "\(kind): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("Traceback"), "\(kind): \(result.stderr)")
            for fragment in fragments {
                XCTAssertTrue(result.stderr.contains(fragment), "\(kind): expected \(fragment) in: \(result.stderr)")
            }
            let left = (try? FileManager.default.contentsOfDirectory(atPath: out.path)) ?? []
            XCTAssertEqual(left, [], "\(kind): a refused run left files behind")
        }
    }

    func testBinaryTaskWithLabelStdColumn() throws {
        let fixture = scratch.path("binary")
        let helper = DatasetRecipe.helper("recipe_fixture.py").path
        XCTAssertEqual(try runProcess(python, [helper, "make-binary", fixture.path]).status, 0)
        let out = scratch.path("binary-out")
        let result = try runRecipe(fixture, out: out, extra: ["--task", "binary"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let shards = try DatasetRecipe.validate(out, python: python)
        XCTAssertEqual(shards.first?["task"] as? String, "binary")
        XCTAssertEqual(shards.first?["targets"] as? [String], ["humour"])
        let check = try runProcess(python, [helper, "check-binary", fixture.path, out.path])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)

        let odd = scratch.path("binary-odd")
        XCTAssertEqual(try runProcess(python, [helper, "make-binary", odd.path, "--label", "0.5"]).status, 0)
        let refused = try runRecipe(odd, out: scratch.path("binary-odd-out"), extra: ["--task", "binary"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(
            refused.stderr.contains("labels.csv:5: id 'clip3': binary target 'humour' is 0.5"), refused.stderr)
    }

    func testRefusesToMixIntoAFolderThatAlreadyHoldsShards() throws {
        let fixture = try makeFixture("twice")
        let out = scratch.path("twice-out")
        XCTAssertEqual(try runRecipe(fixture, out: out, extra: ["--shards", "2"]).status, 0)
        let again = try runRecipe(fixture, out: out, extra: ["--shards", "1"])
        XCTAssertEqual(again.status, 1)
        XCTAssertTrue(again.stderr.contains("already holds shards"), again.stderr)
        let replaced = try runRecipe(fixture, out: out, extra: ["--shards", "1", "--overwrite"])
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
        XCTAssertEqual(DatasetRecipe.shardNames(in: out), ["twice-out-000.h5"])
        try DatasetRecipe.validate(out, python: python)
    }

    /// Rater columns for valence only: the recipe says arousal's ratings will be NaN and that spread modes
    /// are refused, and `salience train` does refuse std-aux on that target (naming it), while `off` trains.
    func testPartialRaterColumnsWarnAndSpreadModesAreRefused() throws {
        let fixture = try makeFixture("partial", breaking: "partial-raters")
        let out = scratch.path("partial-out")
        let made = try runRecipe(fixture, out: out)
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertTrue(made.stderr.contains("warning"), made.stderr)
        XCTAssertTrue(made.stderr.contains("not for ['arousal']"), made.stderr)
        XCTAssertTrue(made.stderr.contains("std-aux, nll, distribution or weighted is refused"), made.stderr)
        let model = scratch.path("partial.h5").path
        let refused = try runProcess(
            TestEnvironment.salienceBinary,
            ["train", out.path, "--label-variance", "std-aux", "--epochs", "1", "--quiet", "--out", model])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("target 'arousal' has no ratings in the train split"), refused.stderr)
        let off = try runProcess(
            TestEnvironment.salienceBinary,
            ["train", out.path, "--label-variance", "off", "--epochs", "1", "--quiet", "--out", model])
        XCTAssertEqual(off.status, 0, off.stderr)
    }

    /// Embeddings are chunked in tiles of at most 1024 rows x 64 columns (docs/shard-format.md), so a
    /// column subset reads only its blocks: 130 columns give chunks 64 wide.
    func testEmbeddingsAreChunkedInColumnBlocks() throws {
        let fixture = try makeFixture("wide", dimension: 130)
        let out = scratch.path("wide-out")
        let made = try runRecipe(fixture, out: out)
        XCTAssertEqual(made.status, 0, made.stderr)
        let inspect = try runProcess(TestEnvironment.salienceBinary, ["dataset", "inspect", out.path, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        let catalog = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        let shards = try XCTUnwrap(catalog["shards"] as? [[String: Any]])
        let frames = try XCTUnwrap(shards.first?["frames"] as? Int)
        XCTAssertEqual(shards.first?["chunk"] as? [Int], [min(frames, 1024), 64])
        try DatasetRecipe.validate(out, python: python)
    }

    /// Without h5py (here: Python without site-packages) the recipe says what to install, no traceback.
    func testMissingH5pyIsOneLineNamingThePipCommand() throws {
        let fixture = scratch.path("unused")
        let result = try runProcess(
            python,
            [
                "-S", DatasetRecipe.npyFolderScript.path, "--frames", fixture.path, "--labels", "x.csv", "--encoder",
                "e",
                "--out", scratch.path("none").path,
            ])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("npy-folder: error:"), result.stderr)
        XCTAssertTrue(result.stderr.contains("pip install numpy h5py"), result.stderr)
        XCTAssertFalse(result.stderr.contains("Traceback"), result.stderr)
    }
}
