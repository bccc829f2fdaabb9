import Foundation
import TestSupport
import XCTest

/// The h5py writers that docs/shard-format.md gives users write shards Salience accepts: each snippet is
/// taken from the page itself, run with the reference venv's h5py, and the result validated by the binary.
final class ShardFormatDocTests: XCTestCase {
    func testTheDocumentedH5pyWriterWritesAValidDataset() throws {
        let python = try referencePython()
        let snippet = try documentedBlock(defining: "def write_shard(")
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
        try run(python, script)
        let validated = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", data.path])
        XCTAssertEqual(validated.status, 0, validated.stdout + validated.stderr)
        XCTAssertTrue(validated.stdout.contains("2 shard(s), 81 clean utterances, D=300"), validated.stdout)
    }

    /// The version-2 writer: three layers of different widths, sharing one set of per-utterance datasets.
    func testTheDocumentedLayeredWriterWritesAValidDataset() throws {
        let python = try referencePython()
        let snippet = try documentedBlock(defining: "def write_layered_shard(")
        let scratch = try ScratchDirectory("shard-doc-layers")
        defer { scratch.remove() }
        let data = scratch.path("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let script =
            "import h5py, numpy as np\n" + snippet + """

                rng = np.random.default_rng(1)
                count = 40
                lengths = rng.integers(1, 30, count)
                layers = {n: [rng.standard_normal((t, width)).astype(np.float32) for t in lengths]
                          for n, width in ((0, 64), (1, 64), (2, 96))}
                write_layered_shard("\(data.path)/a.h5", layers, [f"u{i}" for i in range(count)],
                                    [i % 3 for i in range(count)], rng.standard_normal((count, 1)).astype(np.float32),
                                    ["valence"], "doc test")
                """
        try run(python, script)
        let validated = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", data.path])
        XCTAssertEqual(validated.status, 0, validated.stdout + validated.stderr)
        XCTAssertTrue(validated.stdout.contains("40 clean utterances"), validated.stdout)
        XCTAssertTrue(validated.stdout.contains("layer"), validated.stdout)
        XCTAssertTrue(validated.stdout.contains("96"), "the third layer's width is reported: \(validated.stdout)")
    }

    private func referencePython() throws -> URL {
        guard let python = TestEnvironment.referencePython else {
            throw XCTSkip("no reference Python venv (set SALIENCE_PYTHON or run ops/python-env)")
        }
        return python
    }

    /// The python block of docs/shard-format.md that defines `marker`; exactly one must.
    private func documentedBlock(defining marker: String) throws -> String {
        let page = try String(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("docs/shard-format.md"), encoding: .utf8)
        let blocks = page.components(separatedBy: "```python\n").dropFirst().compactMap {
            $0.components(separatedBy: "```").first
        }
        let matching = blocks.filter { $0.contains(marker) }
        XCTAssertEqual(matching.count, 1, "docs/shard-format.md should hold one python block with \(marker)")
        return try XCTUnwrap(matching.first)
    }

    private func run(_ python: URL, _ script: String) throws {
        let written = try runProcess(python, ["-c", script])
        if written.status != 0 && written.stderr.contains("No module named") { throw XCTSkip(written.stderr) }
        XCTAssertEqual(written.status, 0, written.stderr)
    }
}
