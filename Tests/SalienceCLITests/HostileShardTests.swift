import Foundation
import Shards
import TestSupport
import XCTest

/// Shards that look valid from their headers but must not be used: a symbolic link out of the dataset
/// directory, a FIFO named like a shard, and `embeddings` compressed with a filter this libhdf5 lacks
/// (issue 16, item 5). Each is refused by the catalog and by `dataset validate`, naming the file.
final class HostileShardTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("cli-hostile-shards") }
    override func tearDown() { scratch.remove() }

    /// A valid 4-utterance shard written by h5py with `embeddings` compressed by `compression`.
    private func writeShard(_ url: URL, compression: String) throws {
        let script = """
            import sys, h5py, numpy as np
            path, compression = sys.argv[1], sys.argv[2]
            with h5py.File(path, "w", libver=("earliest", "v110")) as f:
                f.attrs["salience_format"] = "embedding-shard"
                f.attrs["format_version"] = 1
                f.attrs["encoder"] = "test"
                f.attrs["task"] = "regression"
                f.attrs["targets"] = ["valence"]
                f.create_dataset("embeddings", data=np.arange(24, dtype="f4").reshape(8, 3),
                                 chunks=(4, 3), compression=compression)
                f.create_dataset("offsets", data=np.array([0, 2, 4, 6, 8], dtype="i8"))
                f.create_dataset("ids", data=["a", "b", "c", "d"], dtype=h5py.string_dtype())
                f.create_dataset("split", data=np.array([0, 0, 1, 2], dtype="u1"))
                f.create_dataset("labels", data=np.array([[0.5], [-1], [2], [0]], dtype="f4"))
            """
        guard let result = try runReferencePython(script, arguments: [url.path, compression]) else {
            throw XCTSkip("no reference Python venv (set SALIENCE_PYTHON)")
        }
        if result.stderr.contains("No module named") { throw XCTSkip("the venv lacks h5py: \(result.stderr)") }
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    private func directory(_ name: String) throws -> URL {
        let url = scratch.path(name)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private func validate(_ directory: URL) throws -> ProcessResult {
        let result = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", directory.path])
        XCTAssertFalse(result.signalled, "crashed: \(result.stderr)")
        return result
    }

    func testShardSymlinkedFromOutsideTheDatasetIsRefusedByName() throws {
        let outside = try directory("outside")
        try writeShard(outside.appendingPathComponent("secret.h5"), compression: "gzip")
        let dataset = try directory("data/ds")
        try writeShard(dataset.appendingPathComponent("a.h5"), compression: "gzip")
        try FileManager.default.createSymbolicLink(
            at: dataset.appendingPathComponent("b.h5"), withDestinationURL: outside.appendingPathComponent("secret.h5"))

        XCTAssertThrowsError(try DatasetCatalog(directory: dataset)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("b.h5: is a symbolic link to "), text)
            XCTAssertTrue(text.contains(outside.appendingPathComponent("secret.h5").path), text)
            XCTAssertTrue(text.contains("outside the dataset directory"), text)
        }
        let result = try validate(dataset)
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(
            result.stdout.split(separator: "\n").contains { $0.hasPrefix("b.h5: is a symbolic link") }, result.stdout)
    }

    func testShardSymlinkInsideTheDatasetIsAccepted() throws {
        let dataset = try directory("inside")
        try FileManager.default.createDirectory(
            at: dataset.appendingPathComponent("store"), withIntermediateDirectories: true)
        try writeShard(dataset.appendingPathComponent("store/real.h5"), compression: "gzip")
        try FileManager.default.createSymbolicLink(
            atPath: dataset.appendingPathComponent("a.h5").path, withDestinationPath: "store/real.h5")
        let catalog = try DatasetCatalog(directory: dataset)
        XCTAssertEqual(catalog.shards.map(\.file), ["a.h5"])
        XCTAssertEqual(catalog.utteranceCount(), 4)
    }

    func testFifoNamedLikeAShardIsRefusedWithoutBlocking() throws {
        let dataset = try directory("fifo")
        try writeShard(dataset.appendingPathComponent("a.h5"), compression: "gzip")
        XCTAssertEqual(mkfifo(dataset.appendingPathComponent("b.h5").path, 0o600), 0)
        XCTAssertThrowsError(try DatasetCatalog(directory: dataset)) {
            XCTAssertEqual("\($0)", "b.h5: is not a regular file")
        }
        let result = try validate(dataset)
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("b.h5: is not a regular file"), result.stdout)
    }

    func testDatasetDeclaringMoreElementsThanTheFileHoldsIsRefusedBeforeReading() throws {
        // A valid shard, then `split` replaced by 2^38 never-written elements: a ~10 KB file whose reading
        // would ask for 256 GiB (found by ops/fuzz/run shard). 2^38 > 1100 x the file's bytes by far.
        let dataset = try directory("huge")
        let path = dataset.appendingPathComponent("s.h5")
        try writeShard(path, compression: "gzip")
        let script = """
            import sys, h5py
            with h5py.File(sys.argv[1], "a") as f:
                del f["split"]
                f.create_dataset("split", shape=(2**38,), dtype="u1", chunks=(4096,))
            """
        let result = try XCTUnwrap(try runReferencePython(script, arguments: [path.path]))
        XCTAssertEqual(result.status, 0, result.stderr)
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: path.path)[.size] as? Int)
        XCTAssertLessThan(size, 1 << 20, "the hostile file stays small")
        let validated = try validate(dataset)
        XCTAssertEqual(validated.status, 1, validated.stdout + validated.stderr)
        XCTAssertTrue(
            validated.stdout.contains("s.h5: split: declares shape [274877906944], more elements than a"),
            validated.stdout)
    }

    func testLzfCompressedEmbeddingsAreRefusedWithTheFix() throws {
        let control = try directory("gzip")
        try writeShard(control.appendingPathComponent("s.h5"), compression: "gzip")
        let good = try validate(control)
        XCTAssertEqual(good.status, 0, "the same shard with gzip is valid: \(good.stdout + good.stderr)")

        let dataset = try directory("lzf")
        try writeShard(dataset.appendingPathComponent("s.h5"), compression: "lzf")
        let result = try validate(dataset)
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr)
        let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("s.h5: embeddings: ") }
        let text = String(try XCTUnwrap(line, result.stdout))
        XCTAssertTrue(text.contains("lzf (filter 32000)"), text)
        XCTAssertTrue(text.contains("cannot decode"), text)
        XCTAssertTrue(text.contains("compression='gzip'"), text)
        XCTAssertThrowsError(try DatasetCatalog(directory: dataset)) {
            XCTAssertTrue("\($0)".contains("lzf"), "\($0)")
        }
    }
}
