import Foundation
import TestSupport
import XCTest

/// The h5py writer that docs/shard-format.md gives users writes shards Salience accepts: the snippet is
/// taken from the page itself, run with the reference venv's h5py, and the result validated by the binary.
final class ShardFormatDocTests: XCTestCase {
    func testTheDocumentedH5pyWriterWritesAValidDataset() throws {
        guard let python = TestEnvironment.referencePython else {
            throw XCTSkip("no reference Python venv (set SALIENCE_PYTHON or run ops/python-env)")
        }
        let page = try String(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("docs/shard-format.md"), encoding: .utf8)
        let parts = page.components(separatedBy: "```python\n")
        XCTAssertEqual(parts.count, 2, "docs/shard-format.md should hold one python block")
        let snippet = try XCTUnwrap(parts.last?.components(separatedBy: "```").first)
        let scratch = try ScratchDirectory("shard-doc")
        defer { scratch.remove() }
        let data = scratch.path("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let script =
            snippet + """

                rng = np.random.default_rng(0)
                for shard, count in (("a", 50), ("b", 31)):
                    frames = [rng.standard_normal((rng.integers(1, 40), 300)).astype(np.float32) for _ in range(count)]
                    write_shard("\(data.path)/" + shard + ".h5", frames, [f"{shard}{i}" for i in range(count)],
                                [i % 3 for i in range(count)], rng.standard_normal((count, 2)).astype(np.float32),
                                ["valence", "arousal"], "doc test")
                """
        let written = try runProcess(python, ["-c", script])
        if written.status != 0 && written.stderr.contains("No module named") { throw XCTSkip(written.stderr) }
        XCTAssertEqual(written.status, 0, written.stderr)
        let validated = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", data.path])
        XCTAssertEqual(validated.status, 0, validated.stdout + validated.stderr)
        XCTAssertTrue(validated.stdout.contains("2 shard(s), 81 clean utterances, D=300"), validated.stdout)
    }
}
