import Foundation
import TestSupport
import XCTest

@testable import HDF5

/// Reads that fetch stored chunks and decode them outside libhdf5 (`Dataset.directChunkReads`) must give
/// exactly what `H5Dread` gives, on files h5py wrote in every common layout, and fall back to `H5Dread` for
/// the layouts they do not decode. The expected values come from the formula the Python script wrote.
final class DirectChunkReadTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var file: URL { scratch.path("layouts.h5") }
    private let rows = 50
    private let columns = 21

    override func setUpWithError() throws {
        scratch = try ScratchDirectory("hdf5-direct")
        try writeChunkLayouts(to: file)
    }

    override func tearDown() {
        Dataset.directChunkReads = true
        Dataset.chunkDecodingThreads = max(1, ProcessInfo.processInfo.activeProcessorCount)
        scratch.remove()
    }

    /// The value the script stored at (r, c).
    private func value(_ r: Int, _ c: Int) -> Float { Float((r * 31 + c * 7) % 1000) / 4 }

    private func expected(_ rowRange: Range<Int>, _ selection: [Int]) -> [Float] {
        rowRange.flatMap { r in selection.map { value(r, $0) } }
    }

    /// Row ranges inside one chunk, across chunk borders, into the partial edge chunk; column selections
    /// contiguous, scattered, unordered and repeated.
    private let rowRanges = [0..<50, 5..<37, 16..<32, 47..<50, 3..<4]
    /// Exactly one chunk column in order (0..<8, 8..<16): a read whose rows are whole chunk rows of its columns.
    private let selections: [[Int]?] = [
        nil, [0, 1, 2, 7, 8, 20], [20], [19, 2, 2, 11], Array(5..<21), [10, 9, 8], Array(0..<8), Array(8..<16),
    ]

    func testEveryLayoutReadsTheStoredValuesWithAndWithoutDirectChunkReads() throws {
        let names = [
            "shuffle_gzip", "gzip", "plain_chunked", "rows_all_columns", "half", "masked", "big_endian", "fletcher",
            "contiguous", "contiguous_half", "contiguous_big_endian",
        ]
        let hdf5 = try File.open(file.path)
        for direct in [true, false] {
            Dataset.directChunkReads = direct
            for name in names {
                let dataset = try hdf5.openDataset(name)
                XCTAssertEqual(try dataset.read(as: Float.self), expected(0..<rows, Array(0..<columns)), name)
                for rowRange in rowRanges {
                    for selection in selections {
                        let read = try dataset.read(rows: rowRange, columns: selection, as: Float.self)
                        XCTAssertEqual(
                            read, expected(rowRange, selection ?? Array(0..<columns)),
                            "\(name) direct=\(direct) rows \(rowRange) columns \(selection.map(\.description) ?? "all")"
                        )
                    }
                }
            }
        }
    }

    func testOneDecodingThreadAndManyGiveTheSameValues() throws {
        let dataset = try File.open(file.path).openDataset("shuffle_gzip")
        Dataset.chunkDecodingThreads = 1
        let single = try dataset.read(rows: 0..<rows, columns: [1, 9, 17, 18], as: Float.self)
        Dataset.chunkDecodingThreads = 7
        let many = try dataset.read(rows: 0..<rows, columns: [1, 9, 17, 18], as: Float.self)
        XCTAssertEqual(single, many)
        XCTAssertEqual(single, expected(0..<rows, [1, 9, 17, 18]))
    }

    /// Walking a dataset in blocks of rows that end inside chunks: each read takes the chunks the previous one
    /// ended inside as they were decoded (none is decoded twice), and the values are the stored ones whatever
    /// the block sizes, the columns of each read, and reads elsewhere in between.
    func testBlocksThatShareAChunkRowReuseItsDecodedChunks() throws {
        for name in ["shuffle_gzip", "gzip", "half"] {
            let dataset = try File.open(file.path).openDataset(name)
            for (blockRows, selection) in [(7, nil), (13, [0, 9, 17, 18]), (5, [20, 3]), (16, nil)] as [(Int, [Int]?)] {
                let reusedBefore = dataset.decodedChunks.reused
                var start = 0
                while start < rows {
                    let block = start..<min(rows, start + blockRows)
                    let read = try dataset.read(rows: block, columns: selection, as: Float.self)
                    XCTAssertEqual(read, expected(block, selection ?? Array(0..<columns)), "\(name) rows \(block)")
                    start = block.upperBound
                }
                let reused = dataset.decodedChunks.reused - reusedBefore
                // 16 x 8 chunks: every block that ends inside a chunk row (before the last row of the dataset)
                // hands that row's chunks of the selected columns to the next block, none decoded twice.
                let handOvers = Swift.stride(from: blockRows, to: rows, by: blockRows).filter { $0 % 16 != 0 }.count
                let chunkColumns = Set((selection ?? Array(0..<columns)).map { $0 / 8 }).count
                XCTAssertEqual(reused, handOvers * chunkColumns, "\(name): \(blockRows)-row blocks")
                if blockRows % 16 == 0 { XCTAssertEqual(reused, 0, "\(name): chunk-aligned blocks hand nothing over") }
            }
            // A read elsewhere in between: the kept row is not the next read's, which decodes its own.
            _ = try dataset.read(rows: 0..<20, as: Float.self)
            XCTAssertEqual(try dataset.read(rows: 40..<45, as: Float.self), expected(40..<45, Array(0..<columns)))
            XCTAssertEqual(try dataset.read(rows: 45..<50, as: Float.self), expected(45..<50, Array(0..<columns)))
        }
    }

    func testUnwrittenChunksFallBackToTheFillValue() throws {
        let dataset = try File.open(file.path).openDataset("sparse")
        // Chunk (0, 0) holds the values; every other chunk was never written and reads as the fill value -1.
        XCTAssertEqual(
            try dataset.read(rows: 0..<16, columns: Array(0..<8), as: Float.self), expected(0..<16, Array(0..<8)))
        let mixed = try dataset.read(rows: 10..<20, columns: [6, 7, 8], as: Float.self)
        let want = (10..<20).flatMap { r in [6, 7, 8].map { c in r < 16 && c < 8 ? value(r, c) : -1 } }
        XCTAssertEqual(mixed, want)
    }

    func testACorruptChunkIsNamedAndTheRestStillReads() throws {
        let dataset = try File.open(file.path).openDataset("corrupt")
        // The damaged chunk covers rows 16..<32, columns 8..<16.
        XCTAssertThrowsError(try dataset.read(rows: 20..<25, columns: [9], as: Float.self)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("rows 16..<32, columns 8..<16"), text)
            XCTAssertTrue(text.contains("corrupt"), text)
            XCTAssertTrue(text.contains("/corrupt"), text)
        }
        XCTAssertEqual(try dataset.read(rows: 20..<25, columns: [0, 1], as: Float.self), expected(20..<25, [0, 1]))
        XCTAssertEqual(
            try dataset.read(rows: 20..<25, columns: [17, 20], as: Float.self), expected(20..<25, [17, 20]))
        XCTAssertEqual(try dataset.read(rows: 0..<16, as: Float.self), expected(0..<16, Array(0..<columns)))
        // libhdf5's own pipeline refuses the chunk too, with its own message.
        Dataset.directChunkReads = false
        XCTAssertThrowsError(try dataset.read(rows: 20..<25, columns: [9], as: Float.self))
    }

    func testUnshuffleRestoresEveryElementSize() {
        for elementSize in [1, 2, 4, 8] {
            for count in [0, 1, 5, 64] {
                // Bytes past the last whole element (fewer than one element) are stored unshuffled.
                let original = (0..<(count * elementSize + elementSize - 1)).map {
                    UInt8(truncatingIfNeeded: $0 &* 37 &+ 11)
                }
                // Shuffle as HDF5 does: byte b of element e goes to b * count + e; trailing bytes stay.
                var shuffled = original
                for element in 0..<count {
                    for byte in 0..<elementSize {
                        shuffled[byte * count + element] = original[element * elementSize + byte]
                    }
                }
                var restored = [UInt8](repeating: 0, count: original.count)
                Dataset.unshuffle(shuffled, elementSize: elementSize, into: &restored)
                XCTAssertEqual(restored, original, "element size \(elementSize), \(count) elements")
            }
        }
    }
}
