import Foundation
import Numerics
import Shards
import TestSupport
import XCTest

/// Shards written by h5py read correctly in Salience, and Salience's shards read correctly in h5py.
final class H5pyInteropTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("shards-h5py") }
    override func tearDown() { scratch.remove() }

    private func script(_ name: String) -> String {
        TestEnvironment.packageRoot.appendingPathComponent("Tests/ShardsTests/Python/\(name)").path
    }

    private func python(_ arguments: [String]) throws -> ProcessResult {
        guard let python = TestEnvironment.referencePython else {
            throw XCTSkip("no reference Python venv (run ops/python-env and set SALIENCE_PYTHON)")
        }
        let result = try runProcess(python, arguments)
        if result.stderr.contains("No module named") {
            throw XCTSkip("the reference venv lacks h5py/numpy: \(result.stderr)")
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        return result
    }

    /// JSON numbers with null for NaN, as Floats.
    private func floats(_ value: Any?) -> [Float] {
        ((value as? [Any]) ?? []).map { ($0 as? NSNumber).map { $0.floatValue } ?? .nan }
    }

    private func assertSame(
        _ actual: [Float], _ expected: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(actual.count, expected.count, what, file: file, line: line)
        for (index, (a, e)) in zip(actual, expected).enumerated() where !(a == e || (a.isNaN && e.isNaN)) {
            XCTFail("\(what)[\(index)]: \(a) != \(e)", file: file, line: line)
            return
        }
    }

    func testSalienceReadsEveryValueH5pyWrote() throws {
        _ = try python([script("write_h5py_shards.py"), scratch.url.path])
        let data = try Data(contentsOf: scratch.path("expected.json"))
        let expected = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
        for name in ["a.h5", "b.h5"] {
            let values = try XCTUnwrap(expected[name])
            let reader = try ShardReader(url: scratch.path(name))
            let shape = try XCTUnwrap(values["shape"] as? [Int])
            XCTAssertEqual([reader.frameCount, reader.dimension], shape, name)
            XCTAssertEqual(reader.offsets, values["offsets"] as? [Int], name)
            XCTAssertEqual(reader.ids, values["ids"] as? [String], name)
            XCTAssertEqual(reader.splits.map { Int($0.rawValue) }, values["split"] as? [Int], name)
            XCTAssertEqual(reader.header.targets, values["targets"] as? [String], name)
            XCTAssertEqual(reader.header.encoder, values["encoder"] as? String, name)
            XCTAssertEqual(reader.header.condition, values["condition"] as? String, name)
            assertSame(reader.labels, floats(values["labels"]), "\(name) labels")
            let all = try reader.readFrames(utterances: 0..<reader.utteranceCount)
            assertSame(all.values, floats(values["embeddings"]), "\(name) embeddings")
            // A column subset of a row range equals the same slice of the expected matrix.
            let columns = [4, 1, 2]
            let block = try reader.readFrames(utterances: 2..<5, columns: columns)
            let full = floats(values["embeddings"])
            let rows = reader.offsets[2]..<reader.offsets[5]
            assertSame(block.values, rows.flatMap { r in columns.map { full[r * shape[1] + $0] } }, "\(name) subset")
            if let ratings = values["ratings"] {
                XCTAssertEqual(reader.header.raterCount, values["raters"] as? Int)
                assertSame(try XCTUnwrap(reader.ratings), floats(ratings), "\(name) ratings")
            }
            if let std = values["label_std"] {
                assertSame(try XCTUnwrap(reader.labelStd), floats(std), "\(name) label_std")
            }
        }
        XCTAssertEqual(try ShardReader(url: scratch.path("a.h5")).header.embeddingType, .float16)
        XCTAssertEqual(ShardValidator.validate(directory: scratch.url).map(\.description), [])
    }

    func testH5pyReadsEveryValueSalienceWrote() throws {
        let url = scratch.path("salience.h5")
        let d = 5
        let writer = try ShardWriter(
            url: url, dimension: d,
            metadata: ShardMetadata(
                encoder: "salience ✓", task: .regression, targets: ["valence"], condition: "typo-p10",
                extraAttributes: ["synthetic_relevant_dims": .ints([1, 3])]),
            raterCount: 2, layout: ShardLayout(chunkRows: 3, columnBlock: 2, gzipLevel: 4, shuffle: true))
        var random = SeededGenerator(seed: 3)
        var frames: [Float] = []
        var offsets = [0]
        var labels: [Float] = []
        var ratings: [Float] = []
        let ids = ["α", "b", "ç ✓", "d"]
        for (index, id) in ids.enumerated() {
            let count = 1 + index % 3
            let values = (0..<(count * d)).map { _ in Float(random.gaussian()) }
            let rated: [Float] = [Float(index), index == 2 ? .nan : Float(index) + 1]
            try writer.append(
                id: id, split: Split(rawValue: UInt8(index % 3))!, frames: values, labels: [Float(index) + 0.25],
                ratings: rated)
            frames += values
            offsets.append(offsets.last! + count)
            labels.append(Float(index) + 0.25)
            ratings += rated
        }
        try writer.finish()
        let output = try python([script("read_with_h5py.py"), url.path])
        let read = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let attrs = try XCTUnwrap(read["attrs"] as? [String: Any])
        XCTAssertEqual(attrs["salience_format"] as? String, "embedding-shard")
        XCTAssertEqual(attrs["format_version"] as? [Int], [1])
        XCTAssertEqual(attrs["encoder"] as? String, "salience ✓")
        XCTAssertEqual(attrs["task"] as? String, "regression")
        XCTAssertEqual(attrs["targets"] as? [String], ["valence"])
        XCTAssertEqual(attrs["condition"] as? String, "typo-p10")
        XCTAssertEqual(attrs["synthetic_relevant_dims"] as? [Int], [1, 3])
        assertSame(floats(read["embeddings"]), frames, "embeddings")
        XCTAssertEqual(read["shape"] as? [Int], [offsets.last!, d])
        XCTAssertEqual(read["chunks"] as? [Int], [3, 2])
        XCTAssertEqual(read["compression"] as? String, "gzip")
        XCTAssertEqual(read["shuffle"] as? Bool, true)
        XCTAssertEqual(read["offsets"] as? [Int], offsets)
        XCTAssertEqual(read["offsets_dtype"] as? String, "int64")
        XCTAssertEqual(read["split_dtype"] as? String, "uint8")
        XCTAssertEqual(read["ids"] as? [String], ids)
        XCTAssertEqual(read["ids_is_utf8_vlen"] as? Bool, true)
        XCTAssertEqual(read["split"] as? [Int], [0, 1, 2, 0])
        assertSame(floats(read["labels"]), labels, "labels")
        assertSame(floats(read["ratings"]), ratings, "ratings")
    }
}
