import Foundation
import Shards
import TestSupport
import XCTest

/// Version-2 (layered) shards written by h5py as docs/shard-format.md shows: Salience reads their layers
/// side by side in increasing layer number, reads any column subset across layers, narrows to chosen
/// layers, and refuses broken ones naming file, layer dataset and reason.
final class LayeredShardTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws {
        scratch = try ScratchDirectory("shards-layered")
        guard let python = TestEnvironment.referencePython else {
            throw XCTSkip("no reference Python venv (run ops/python-env and set SALIENCE_PYTHON)")
        }
        let script = TestEnvironment.packageRoot.appendingPathComponent(
            "Tests/ShardsTests/Python/write_layered_shards.py")
        let result = try runProcess(python, [script.path, scratch.url.path])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    override func tearDown() { scratch.remove() }

    private func expected() throws -> [String: [String: Any]] {
        let data = try Data(contentsOf: scratch.path("good/expected.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: [String: Any]])
    }

    func testLayersReadSideBySideInLayerOrder() throws {
        for (name, values) in try expected() {
            let reader = try ShardReader(url: scratch.path("good/\(name)"))
            let shape = try XCTUnwrap(values["shape"] as? [Int])
            let wide = try XCTUnwrap(values["values"] as? [Double]).map(Float.init)
            XCTAssertEqual(reader.header.formatVersion, 2)
            XCTAssertEqual(reader.layers.map(\.number), values["layers"] as? [Int])
            XCTAssertEqual(reader.layers.map(\.dimension), values["widths"] as? [Int])
            XCTAssertEqual([reader.frameCount, reader.dimension], shape)
            XCTAssertEqual(reader.offsets, values["offsets"] as? [Int])
            XCTAssertEqual(try reader.readFrames(utterances: 0..<reader.utteranceCount).values, wide, name)
            // Columns from every layer, out of order and repeated, on a row range.
            let columns = [9, 0, 5, 4, 10, 3, 5]
            let block = try reader.readFrames(utterances: 1..<4, columns: columns)
            let rows = reader.offsets[1]..<reader.offsets[4]
            XCTAssertEqual(block.values, rows.flatMap { r in columns.map { wide[r * shape[1] + $0] } }, name)
            // Only layers 2 and 5: columns 4..<11 of the wide matrix.
            let narrow = try ShardReader(url: scratch.path("good/\(name)"), layers: [5, 2])
            XCTAssertEqual(narrow.dimension, 7)
            XCTAssertTrue(narrow.layerColumns.address(ofColumn: 4) == (layer: 5, dimension: 0))
            let subset = try narrow.readFrames(utterances: 0..<narrow.utteranceCount, columns: [6, 1])
            XCTAssertEqual(
                subset.values, (0..<shape[0]).flatMap { r in [wide[r * shape[1] + 10], wide[r * shape[1] + 5]] })
        }
        XCTAssertEqual(ShardValidator.validate(directory: scratch.path("good")).map(\.description), [])
        let catalog = try DatasetCatalog(directory: scratch.path("good"))
        XCTAssertEqual(
            catalog.layers,
            [.init(layer: 0, dimension: 4), .init(layer: 2, dimension: 4), .init(layer: 5, dimension: 3)])
        XCTAssertEqual(catalog.dimension, 11)
        let two = try catalog.restricted(toLayers: [2])
        XCTAssertEqual(two.dimension, 4)
        XCTAssertEqual(two.layerWidths, [.init(layer: 2, dimension: 4)])
    }

    func testBrokenLayeredShardsAreRefusedWithFileLayerAndReason() throws {
        let cases: [(String, [String])] = [
            ("frames-differ", ["s.h5", "layers/07/embeddings", "F = ", "every layer has the same frames"]),
            ("not-a-number", ["s.h5", "layers/top", "is not a layer number"]),
            ("both-embeddings", ["s.h5", "embeddings", "not at the root"]),
            ("no-layers", ["s.h5", "layers", "required group is missing"]),
            ("nan-in-layer", ["s.h5", "layers/02/embeddings", "[1, 3]", "nan"]),
            ("duplicate-number", ["s.h5", "layers/2", "is layer 2 again"]),
        ]
        for (name, needles) in cases {
            let problems = ShardValidator.validate(directory: scratch.path("bad/\(name)")).map(\.description)
            XCTAssertTrue(
                problems.contains { line in needles.allSatisfy { line.lowercased().contains($0.lowercased()) } },
                "\(name): expected a line with \(needles); got \(problems)")
        }
        let mixed = ShardValidator.validate(directory: scratch.path("mixed")).map(\.description)
        XCTAssertTrue(mixed.contains { $0.contains("has layers 0, 3, but the other shards have 0, 2") }, "\(mixed)")
        let widths = ShardValidator.validate(directory: scratch.path("widths")).map(\.description)
        XCTAssertTrue(
            widths.contains { $0.contains("layers/02/embeddings") && $0.contains("layer 2 has width D = 5") },
            "\(widths)")
    }

    func testAMissingLayerIsRefusedNamingTheLayersThereAre() throws {
        let catalog = try DatasetCatalog(directory: scratch.path("good"))
        XCTAssertThrowsError(try catalog.restricted(toLayers: [2, 3])) { error in
            XCTAssertTrue("\(error)".contains("has no layer 3 (its layers: 0, 2, 5)"), "\(error)")
        }
        XCTAssertThrowsError(try ShardReader(url: scratch.path("good/l-0.h5"), layers: [9])) { error in
            XCTAssertTrue("\(error)".contains("l-0.h5") && "\(error)".contains("has no layer 9"), "\(error)")
        }
        // A version-1 dataset has only layer 0.
        let v1 = scratch.path("v1")
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 30
        configuration.shards = 1
        try SyntheticDataset(configuration: configuration).write(to: v1)
        let plain = try DatasetCatalog(directory: v1)
        XCTAssertNil(plain.layers)
        XCTAssertEqual(try plain.restricted(toLayers: [0]).dimension, plain.dimension)
        XCTAssertThrowsError(try plain.restricted(toLayers: [3])) { error in
            XCTAssertTrue("\(error)".contains("has no layer 3: its shards are version 1"), "\(error)")
        }
    }

    /// Salience's layered writer: h5py sees one dataset per layer, and the wide read is their concatenation.
    func testSyntheticLayeredShardsReadBackInH5py() throws {
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 40
        configuration.shards = 1
        configuration.dimension = 12
        configuration.relevantDimensions = 4
        configuration.layers = 3
        configuration.relevantLayers = [2]
        let synthetic = try SyntheticDataset(configuration: configuration)
        let urls = try synthetic.write(to: scratch.path("synth"))
        XCTAssertTrue(
            synthetic.relevantDimensions.allSatisfy { (24..<36).contains($0) }, "\(synthetic.relevantDimensions)")
        let reader = try ShardReader(url: urls[0])
        XCTAssertEqual(
            reader.layers.map(\.datasetPath), ["layers/00/embeddings", "layers/01/embeddings", "layers/02/embeddings"])
        let wide = try reader.readFrames(utterances: 0..<reader.utteranceCount).values
        XCTAssertEqual(wide, (0..<reader.utteranceCount).flatMap { synthetic.item($0).frames })
        guard let python = TestEnvironment.referencePython else { return }
        let code = """
            import h5py, numpy as np, sys
            f = h5py.File(sys.argv[1], "r")
            print(f.attrs["format_version"], sorted(f["layers"].keys()))
            np.save(sys.argv[2], np.concatenate([f[f"layers/{k}/embeddings"][...] for k in sorted(f["layers"].keys())], axis=1))
            """
        let npy = scratch.path("wide.npy").path
        let result = try runProcess(python, ["-c", code, urls[0].path, npy])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("2 ['00', '01', '02']"), result.stdout)
        let raw = try Data(contentsOf: URL(fileURLWithPath: npy))
        let values = raw.suffix(wide.count * 4).withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        XCTAssertEqual(values, wide)
    }
}
