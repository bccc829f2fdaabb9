// What the dataset-recipe tests share: where the recipes and their Python helpers are, and the check of
// a shard directory by `salience dataset validate` and, independently, by Python/validate_shards.py (h5py).
import Foundation
import TestSupport
import XCTest

/// Locations and runners for the `datasets/` recipes under test.
enum DatasetRecipe {
    /// `datasets/npy-folder/npy_to_shards.py`.
    static var npyFolderScript: URL {
        TestEnvironment.packageRoot.appendingPathComponent("datasets/npy-folder/npy_to_shards.py")
    }

    /// `datasets/vader-minilm/build` (prepares its venv, then runs build.py).
    static var vaderBuild: URL {
        TestEnvironment.packageRoot.appendingPathComponent("datasets/vader-minilm/build")
    }

    /// A Python file of this test target.
    static func helper(_ name: String) -> URL {
        TestEnvironment.packageRoot.appendingPathComponent("Tests/SalienceCLITests/Python/\(name)")
    }

    /// The reference python, or a skip naming what is missing.
    static func referencePython() throws -> URL {
        guard let python = TestEnvironment.referencePython else {
            throw XCTSkip(
                "dataset recipe tests need the reference python (numpy, h5py): set SALIENCE_PYTHON "
                    + "or run ops/python-env")
        }
        let probe = try runProcess(python, ["-c", "import numpy, h5py"])
        guard probe.status == 0 else {
            throw XCTSkip("the reference python \(python.path) lacks numpy or h5py: \(probe.stderr)")
        }
        return python
    }

    /// Checks `directory` twice: with `salience dataset validate` (the project's reader) and with
    /// Python/validate_shards.py (an independent reading of the format rules with h5py), and returns the
    /// latter's per-shard summaries; fails the test with the validators' messages when a rule is broken.
    @discardableResult
    static func validate(
        _ directory: URL, python: URL, file: StaticString = #filePath, line: UInt = #line
    ) throws -> [[String: Any]] {
        let salience = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", directory.path])
        XCTAssertEqual(
            salience.status, 0, "salience dataset validate refused:\n\(salience.stdout)\(salience.stderr)",
            file: file, line: line)
        XCTAssertTrue(salience.stdout.hasPrefix("valid:"), salience.stdout, file: file, line: line)
        let result = try runProcess(python, [helper("validate_shards.py").path, directory.path])
        XCTAssertEqual(
            result.status, 0, "format rules broken:\n\(result.stdout)\(result.stderr)", file: file, line: line)
        guard result.status == 0,
            let data = result.stdout.data(using: .utf8),
            let shards = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { return [] }
        return shards
    }

    /// The `*.h5` files directly inside `directory`, by name.
    static func shardNames(in directory: URL) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".h5") }.sorted()
    }
}
