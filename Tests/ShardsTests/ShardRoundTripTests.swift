import Foundation
import HDF5
import Shards
import TestSupport
import XCTest

final class ShardRoundTripTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("shards-roundtrip") }
    override func tearDown() { scratch.remove() }

    /// Frame value of utterance u, frame f, column c: distinct everywhere, so any mix-up shows.
    private func value(_ u: Int, _ f: Int, _ c: Int) -> Float { Float(u * 10_000 + f * 100 + c) }

    private func writeShard(_ url: URL, utterances: Int, dimension: Int, layout: ShardLayout = .default) throws {
        let writer = try ShardWriter(
            url: url, dimension: dimension,
            metadata: ShardMetadata(encoder: "test", task: .regression, targets: ["a", "b"]), raterCount: 3,
            layout: layout)
        for u in 0..<utterances {
            let frames = 1 + u % 5
            let values = (0..<frames).flatMap { f in (0..<dimension).map { c in value(u, f, c) } }
            try writer.append(
                id: "u\(u)", split: Split(rawValue: UInt8(u % 3))!, frames: values, labels: [Float(u), -Float(u)],
                ratings: [Float(u), .nan, Float(u), -Float(u), -Float(u), .nan])
        }
        try writer.finish()
    }

    func testWrittenShardReadsBackEveryValue() throws {
        let url = scratch.path("s.h5")
        let layout = ShardLayout(chunkRows: 7, columnBlock: 4, gzipLevel: 1, shuffle: true)
        try writeShard(url, utterances: 40, dimension: 10, layout: layout)
        let reader = try ShardReader(url: url)
        XCTAssertEqual(reader.utteranceCount, 40)
        XCTAssertEqual(reader.dimension, 10)
        XCTAssertEqual(reader.header.targets, ["a", "b"])
        XCTAssertEqual(reader.header.condition, "clean")
        XCTAssertEqual(reader.header.embeddingChunk, [7, 4])
        XCTAssertEqual(reader.ids, (0..<40).map { "u\($0)" })
        XCTAssertEqual(reader.splits.map(\.rawValue), (0..<40).map { UInt8($0 % 3) })
        XCTAssertEqual(reader.labels, (0..<40).flatMap { [Float($0), -Float($0)] })
        XCTAssertEqual(reader.header.raterCount, 3)
        XCTAssertTrue(reader.ratings![1].isNaN)
        XCTAssertEqual(reader.ratings![6], 1)
        let expectedOffsets = (0...40).map { n in (0..<n).reduce(0) { $0 + 1 + $1 % 5 } }
        XCTAssertEqual(reader.offsets, expectedOffsets)

        let columns = [9, 0, 3, 4, 5]
        let block = try reader.readFrames(utterances: 11..<23, columns: columns)
        XCTAssertEqual(block.width, 5)
        XCTAssertEqual(block.rowOffsets.count, 13)
        for k in 0..<12 {
            let u = 11 + k
            let expected = (0..<(1 + u % 5)).flatMap { f in columns.map { c in value(u, f, c) } }
            XCTAssertEqual(Array(block.frames(ofUtterance: k)), expected, "utterance \(u)")
        }
        let all = try reader.readFrames(utterances: 0..<40)
        XCTAssertEqual(all.values.count, reader.frameCount * 10)

        var seen = 0
        var iterator = reader.utteranceIterator(over: 5..<30, columns: [2, 7], framesPerRead: 9)
        while let utterance = try iterator.next() {
            let u = utterance.index
            XCTAssertEqual(utterance.id, "u\(u)")
            XCTAssertEqual(utterance.frames, (0..<(1 + u % 5)).flatMap { f in [value(u, f, 2), value(u, f, 7)] })
            seen += 1
        }
        XCTAssertEqual(seen, 25)
        XCTAssertTrue(ShardValidator.validate(shard: url).isEmpty)
    }

    func testFloat16ShardsStoreHalvesAndReadBackAsFloat() throws {
        let url = scratch.path("half.h5")
        let layout = ShardLayout(chunkRows: 4, columnBlock: 2, gzipLevel: 1, shuffle: true, embeddingType: .float16)
        let writer = try ShardWriter(
            url: url, dimension: 3, metadata: ShardMetadata(encoder: "half", task: .binary, targets: ["humour"]),
            storesLabelStd: true, layout: layout)
        // 0.1 is not a binary16 value: it reads back as the nearest one, 0.0999755859375.
        try writer.append(id: "a", split: .train, frames: [0.1, 1, -2, 3, 4, 5], labels: [1], labelStd: [0.5])
        try writer.append(id: "b", split: .test, frames: [65504, 0, 0.5], labels: [0], labelStd: [0])
        try writer.finish()
        let reader = try ShardReader(url: url)
        XCTAssertEqual(reader.header.embeddingType, .float16)
        XCTAssertEqual(reader.header.task, .binary)
        XCTAssertEqual(reader.labelStd, [0.5, 0])
        XCTAssertNil(reader.ratings)
        XCTAssertEqual(
            try reader.readFrames(utterances: 0..<2).values, [0.0999755859375, 1, -2, 3, 4, 5, 65504, 0, 0.5])
        XCTAssertEqual(try reader.readFrames(utterances: 1..<2, columns: [2, 0]).values, [0.5, 65504])
    }

    func testReaderRefusesANonFiniteFrameWhenItMeetsIt() throws {
        let url = scratch.path("nan.h5")
        do {
            let file = try File.create(url.path)
            try file.writeAttribute("salience_format", .string("embedding-shard"))
            try file.writeAttribute("format_version", .int(1))
            try file.writeAttribute("encoder", .string("x"))
            try file.writeAttribute("task", .string("regression"))
            try file.writeAttribute("targets", .strings(["v"]))
            try file.writeDataset("embeddings", [Float]([1, 2, 3, .nan]), shape: [2, 2])
            try file.writeDataset("offsets", [Int64]([0, 1, 2]))
            try file.writeStrings("ids", ["a", "b"])
            try file.writeDataset("split", [UInt8]([0, 1]))
            try file.writeDataset("labels", [Float]([0, 1]), shape: [2, 1])
        }
        let reader = try ShardReader(url: url)  // headers and metadata are fine
        XCTAssertEqual(try reader.readFrames(utterances: 0..<1).values, [1, 2])
        XCTAssertThrowsError(try reader.readFrames(utterances: 0..<2)) { error in
            XCTAssertEqual("\(error)", "nan.h5: embeddings[1, 1]: nan (NaN and infinity are allowed only in ratings)")
        }
        XCTAssertEqual(try reader.readFrames(utterances: 1..<2, columns: [0]).values, [3])
    }

    func testMeanPoolingAveragesEachUtterancesFrames() throws {
        let block = FrameBlock(utterances: 0..<2, columns: [0, 1], values: [1, 2, 3, 4, 5, 6], rowOffsets: [0, 2, 3])
        XCTAssertEqual(block.meanPooled(), [2, 3, 5, 6])
    }

    func testWriterRefusesBadInputAndLeavesNoFile() throws {
        let url = scratch.path("bad.h5")
        do {
            let writer = try ShardWriter(
                url: url, dimension: 2, metadata: ShardMetadata(encoder: "x", task: .binary, targets: ["humour"]))
            try writer.append(id: "a", split: .train, frames: [1, 2], labels: [1])
            XCTAssertThrowsError(try writer.append(id: "b", split: .train, frames: [1, 2], labels: [0.5]))
            XCTAssertThrowsError(try writer.append(id: "a", split: .dev, frames: [1, 2], labels: [0]))
            XCTAssertThrowsError(try writer.append(id: "c", split: .dev, frames: [1, .nan], labels: [0]))
            XCTAssertThrowsError(try writer.append(id: "d", split: .dev, frames: [1, 2, 3], labels: [0]))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.url.path), [])
    }

    func testCatalogSummarisesADirectory() throws {
        try writeShard(scratch.path("a.h5"), utterances: 9, dimension: 4)
        let b = try ShardWriter(
            url: scratch.path("b.h5"), dimension: 4,
            metadata: ShardMetadata(encoder: "test", task: .regression, targets: ["a", "b"], condition: "noise"),
            raterCount: 3)
        try b.append(
            id: "u2", split: .test, frames: [1, 2, 3, 4], labels: [0, 0], ratings: [Float](repeating: 0, count: 6))
        try b.finish()
        let catalog = try DatasetCatalog(directory: scratch.url)
        XCTAssertEqual(catalog.shards.map(\.file), ["a.h5", "b.h5"])
        XCTAssertEqual(catalog.conditions, ["clean", "noise"])
        XCTAssertEqual(catalog.dimension, 4)
        XCTAssertEqual(catalog.task, .regression)
        XCTAssertEqual(catalog.utteranceCount(), 9)
        XCTAssertEqual(catalog.utteranceCount(split: .train), 3)
        XCTAssertEqual(catalog.utteranceCount(condition: "noise"), 1)
        XCTAssertEqual(catalog.frameCount(), (0..<9).reduce(0) { $0 + 1 + $1 % 5 })
        XCTAssertTrue(catalog.hasRatings)
    }

    func testRealVaderDatasetReadsAndValidatesClean() throws {
        guard let vader = TestEnvironment.vaderMiniLM else {
            throw XCTSkip("../shared/datasets/vader-minilm is absent (set SALIENCE_SHARED to its parent's parent)")
        }
        let catalog = try DatasetCatalog(directory: vader)
        XCTAssertEqual(catalog.dimension, 384)
        XCTAssertEqual(catalog.targets, ["valence"])
        XCTAssertEqual(catalog.conditions, ["clean", "typo-p15"])
        XCTAssertEqual(catalog.utteranceCount(), 7506)
        XCTAssertEqual(catalog.utteranceCount(split: .test), 743)
        XCTAssertEqual(catalog.utteranceCount(condition: "typo-p15"), 743)
        XCTAssertTrue(catalog.hasRatings)
        XCTAssertEqual(ShardValidator.validate(directory: vader).map(\.description), [])
    }
}
