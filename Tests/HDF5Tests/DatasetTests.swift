import HDF5
import TestSupport
import XCTest

final class DatasetTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("hdf5-dataset") }
    override func tearDown() { scratch.remove() }

    /// A 2-D matrix whose value at (r, c) is r * 1000 + c, so any read can be checked independently.
    private func matrix(rows: Int, columns: Int) -> [Float] {
        (0..<rows).flatMap { r in (0..<columns).map { c in Float(r * 1000 + c) } }
    }

    func testChunkedGzipShuffleRoundTripKeepsValuesAndLayout() throws {
        let path = scratch.path("a.h5").path
        let values = matrix(rows: 50, columns: 12)
        do {
            let file = try File.create(path)
            try file.writeDataset("m", values, shape: [50, 12], layout: .compressed(chunk: [16, 4], level: 5))
        }
        let file = try File.open(path)
        let dataset = try file.openDataset("m")
        XCTAssertEqual(try dataset.shape, [50, 12])
        XCTAssertEqual(try dataset.elementType, .float32)
        XCTAssertEqual(try dataset.chunkShape, [16, 4])
        XCTAssertEqual(try dataset.filters, [.shuffle, .gzip(level: 5)])
        XCTAssertEqual(try dataset.read(as: Float.self), values)
    }

    func testRowRangeAndColumnSubsetReadsMatchSlicing() throws {
        let path = scratch.path("b.h5").path
        let rows = 40
        let columns = 20
        let values = matrix(rows: rows, columns: columns)
        let file = try File.create(path)
        let dataset = try file.writeDataset(
            "m", values, shape: [rows, columns], layout: .compressed(chunk: [7, 6]))
        let rowRange = 5..<33
        XCTAssertEqual(
            try dataset.read(rows: rowRange, as: Float.self),
            Array(values[(rowRange.lowerBound * columns)..<(rowRange.upperBound * columns)]))
        for selection in [[0, 1, 2, 7, 8, 19], [3], [19, 2, 2, 11], Array(0..<20), [10, 9, 8]] {
            let read = try dataset.read(rows: rowRange, columns: selection, as: Float.self)
            let expected = rowRange.flatMap { r in selection.map { c in Float(r * 1000 + c) } }
            XCTAssertEqual(read, expected, "columns \(selection)")
        }
        XCTAssertEqual(try dataset.read(rows: 3..<3, columns: [1], as: Float.self), [])
    }

    func testWideColumnSubsetsReadTheSameWhetherRunsAreJoinedOrNot() throws {
        let rows = 9
        let columns = 120
        let values = matrix(rows: rows, columns: columns)
        let file = try File.create(scratch.path("w.h5").path)
        let dataset = try file.writeDataset(
            "m", values, shape: [rows, columns], layout: .compressed(chunk: [4, 16]))
        let selections = [
            [0, 50, 100],  // gaps above the read-through limit: a union of single columns
            Array(stride(from: 1, to: 120, by: 3)),  // small gaps: read as one span, then gathered
            [119, 0, 60, 61, 62, 5, 5],  // unordered, repeated, mixed gaps
            Array(0..<40) + Array(90..<120),  // two long runs far apart: read directly
        ]
        for selection in selections {
            let read = try dataset.read(rows: 2..<8, columns: selection, as: Float.self)
            XCTAssertEqual(read, (2..<8).flatMap { r in selection.map { c in Float(r * 1000 + c) } }, "\(selection)")
        }
    }

    func testOutOfRangeReadsAreTypedErrors() throws {
        let file = try File.create(scratch.path("c.h5").path)
        let dataset = try file.writeDataset("m", matrix(rows: 4, columns: 3), shape: [4, 3])
        XCTAssertThrowsError(try dataset.read(rows: 2..<5, as: Float.self)) { error in
            XCTAssertEqual((error as? HDF5Error)?.kind, .invalidArgument)
            XCTAssertTrue("\(error)".contains(":/m"), "\(error)")
        }
        XCTAssertThrowsError(try dataset.read(rows: 0..<2, columns: [3], as: Float.self))
        XCTAssertThrowsError(try dataset.write([Float](repeating: 0, count: 5)))
    }

    func testFloat16IsStoredAsHalfAndReadAsFloat() throws {
        let path = scratch.path("h.h5").path
        // Values exactly representable in binary16, plus one that rounds (0.1 -> 0.0999755859375).
        let values: [Float] = [0, 1, -2.5, 65504, 0.000061035156, 0.1]
        do {
            let file = try File.create(path)
            try file.writeDataset("h", values, storedAs: .float16, layout: .compressed(chunk: [3]))
        }
        let dataset = try File.open(path).openDataset("h")
        XCTAssertEqual(try dataset.elementType, .float16)
        let read = try dataset.read(as: Float.self)
        XCTAssertEqual(Array(read.prefix(5)), Array(values.prefix(5)))
        XCTAssertEqual(read[5], 0.0999755859375)
    }

    func testIntegerAndDoubleTypesRoundTrip() throws {
        let file = try File.create(scratch.path("i.h5").path)
        let big: [Int64] = [Int64.min, -1, 0, 1 << 40, Int64.max]
        XCTAssertEqual(try file.writeDataset("i64", big).read(as: Int64.self), big)
        let bytes: [UInt8] = [0, 1, 2, 255]
        let u8 = try file.writeDataset("u8", bytes)
        XCTAssertEqual(try u8.elementType, .uint8)
        XCTAssertEqual(try u8.read(as: UInt8.self), bytes)
        XCTAssertEqual(try u8.read(as: Int64.self), [0, 1, 2, 255])
        let doubles = [Double.pi, -1e300, Double.leastNonzeroMagnitude]
        XCTAssertEqual(try file.writeDataset("f64", doubles).read(as: Double.self), doubles)
    }

    func testGrowableDatasetAppendsRows() throws {
        let file = try File.create(scratch.path("g.h5").path)
        let dataset = try file.createDataset(
            "m", type: .float32, shape: [0, 3], maxShape: [nil, 3], layout: .compressed(chunk: [4, 3]))
        try dataset.resize(to: [2, 3])
        try dataset.write([Float]([1, 2, 3, 4, 5, 6]), atRow: 0)
        try dataset.resize(to: [5, 3])
        try dataset.write([Float]([7, 8, 9, 10, 11, 12, 13, 14, 15]), atRow: 2)
        XCTAssertEqual(try dataset.read(as: Float.self), (1...15).map(Float.init))
    }

    func testStringDatasetsInAllFourStorages() throws {
        let path = scratch.path("s.h5").path
        let strings = ["plain", "ünïcödé ✓", "", "a longer string with spaces  "]
        let ascii = ["abc", "", "x y"]
        do {
            let file = try File.create(path)
            try file.writeStrings("vu", strings, type: .variableUTF8)
            try file.writeStrings("va", ascii, type: .variableASCII)
            try file.writeStrings("fu", strings, type: StringType(fixedLength: 40, encoding: .utf8))
            try file.writeStrings("fa", ascii, type: StringType(fixedLength: 3, encoding: .ascii))
            XCTAssertThrowsError(
                try file.writeStrings("too-long", ["abcd"], type: StringType(fixedLength: 3, encoding: .ascii)))
        }
        let file = try File.open(path)
        XCTAssertEqual(try file.openDataset("vu").readStrings(), strings)
        XCTAssertEqual(try file.openDataset("va").readStrings(), ascii)
        XCTAssertEqual(try file.openDataset("fu").readStrings(), strings)
        XCTAssertEqual(try file.openDataset("fa").readStrings(), ascii)
        XCTAssertEqual(try file.openDataset("fu").elementType, .string(StringType(fixedLength: 40, encoding: .utf8)))
        XCTAssertEqual(try file.openDataset("va").elementType, .string(.variableASCII))
        XCTAssertThrowsError(try file.openDataset("vu").read(as: Float.self)) { error in
            XCTAssertEqual((error as? HDF5Error)?.kind, .mismatch)
        }
    }

    func testGroupsAndMembers() throws {
        let file = try File.create(scratch.path("grp.h5").path)
        let group = try file.createGroup("outer")
        try group.writeDataset("x", [Float(1)])
        _ = try group.createGroup("inner")
        XCTAssertEqual(try file.memberNames(), ["outer"])
        XCTAssertEqual(try file.openGroup("outer").memberNames(), ["inner", "x"])
        XCTAssertTrue(try group.contains("x"))
        XCTAssertFalse(try group.contains("y"))
        XCTAssertEqual(try group.openDataset("x").objectPath, "/outer/x")
    }
}
