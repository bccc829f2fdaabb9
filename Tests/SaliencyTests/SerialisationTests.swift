import Numerics
import Saliency
import XCTest

/// Partials survive the trip to bytes and back bit for bit; garbage is refused with a typed error.
final class SerialisationTests: XCTestCase {
    func roundTrip<P: MergeablePartial & Equatable>(_ partial: P, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let bytes = partial.serialized()
        XCTAssertEqual(try P(serialized: bytes), partial, file: file, line: line)
        // Every truncation is refused, never trapped on.
        for cut in [0, 3, 8, 15, 16, 17, bytes.count / 2, bytes.count - 1] where cut < bytes.count {
            XCTAssertThrowsError(try P(serialized: Array(bytes[0..<cut])), file: file, line: line) { error in
                XCTAssertTrue(error is PartialDecodingError, "\(error)", file: file, line: line)
            }
        }
        XCTAssertThrowsError(try P(serialized: bytes + [0]), file: file, line: line)
        var badMagic = bytes
        badMagic[0] = 0x00
        XCTAssertThrowsError(try P(serialized: badMagic)) { XCTAssertEqual($0 as? PartialDecodingError, .badMagic) }
        var badVersion = bytes
        badVersion[4] = 9
        XCTAssertThrowsError(try P(serialized: badVersion)) {
            XCTAssertEqual($0 as? PartialDecodingError, .unsupportedVersion(9))
        }
    }

    func testEveryPartialRoundTripsExactly() throws {
        let data = try TestData.correlated(count: 200, dimensions: 5, targets: 2, seed: 8)
        try roundTrip(MomentsPartial(data))
        try roundTrip(MomentsPartial(dimensions: 0..<5, targetCount: 2))
        try roundTrip(RangePartial(data))
        try roundTrip(RangePartial(dimensions: 3..<8, targetCount: 2))
        var covariance = CovariancePartial(rows: 1..<3, columns: 2..<5)
        try covariance.add(data)
        try roundTrip(covariance)
        let layout = try HistogramLayout(range: RangePartial(data), bins: 6, binaryTargets: false)
        var histogram = JointHistogramPartial(layout: layout)
        try histogram.add(data)
        try roundTrip(histogram)
    }

    /// A diagonal covariance block travels as its upper triangle: about half the bytes, the same partial after
    /// merges (which keep it exactly symmetric), and bytes of the full layout earlier builds wrote still read.
    func testADiagonalCovarianceBlockTravelsAsItsUpperTriangle() throws {
        let size = 40
        var whole = CovariancePartial(dimensions: 0..<size)
        for seed in 0..<5 {
            var piece = CovariancePartial(dimensions: 0..<size)
            try piece.add(
                try TestData.correlated(count: 30 + 7 * seed, dimensions: size, targets: 1, seed: UInt64(seed)))
            try whole.merge(piece)
        }
        for row in 0..<size {
            for column in 0..<row {
                XCTAssertEqual(
                    whole.comoments[row * size + column].bitPattern, whole.comoments[column * size + row].bitPattern)
            }
        }
        try roundTrip(whole)
        let packed = whole.serialized()
        XCTAssertEqual(UInt16(packed[6]) | UInt16(packed[7]) << 8, PartialKind.covariancePacked.rawValue)
        XCTAssertEqual(packed.count, 16 + 8 * (3 + 1 + size + 1 + size * (size + 1) / 2))
        // The full layout (kind 4, every entry), as earlier builds wrote diagonal blocks.
        var encoder = PartialEncoder(kind: .covariance)
        for value in [whole.rows.lowerBound, size, whole.columns.lowerBound, size, whole.count] { encoder.write(value) }
        encoder.write(whole.meanRows)
        encoder.write(whole.meanColumns)
        encoder.write(whole.comoments)
        XCTAssertEqual(try CovariancePartial(serialized: encoder.bytes()), whole)
        // A declared size too large for the bytes is refused before anything is allocated.
        var hostile = PartialEncoder(kind: .covariancePacked)
        for value in [0, Int(1) << 40, 10] { hostile.write(value) }
        XCTAssertThrowsError(try CovariancePartial(serialized: hostile.bytes())) { error in
            XCTAssertTrue(error is PartialDecodingError, "\(error)")
        }
    }

    func testAPartialOfAnotherKindIsRefused() throws {
        let data = try TestData.correlated(count: 20, dimensions: 3, targets: 1, seed: 2)
        let bytes = MomentsPartial(data).serialized()
        XCTAssertThrowsError(try RangePartial(serialized: bytes)) { error in
            XCTAssertEqual(
                error as? PartialDecodingError,
                .wrongKind(expected: PartialKind.range.rawValue, found: PartialKind.moments.rawValue))
        }
    }

    func testRandomGarbageNeverTraps() {
        var generator = SplitMix64(seed: 99)
        let valid = RangePartial(dimensions: 0..<2, targetCount: 1).serialized()
        for _ in 0..<500 {
            var bytes = valid
            // Corrupt a few bytes after the header (lengths and counts included).
            for _ in 0..<3 {
                let index = 16 + generator.nextInt(below: bytes.count - 16)
                bytes[index] = UInt8(truncatingIfNeeded: generator.next())
            }
            _ = try? RangePartial(serialized: bytes)
            _ = try? MomentsPartial(serialized: bytes)
        }
        // Huge declared counts are refused before any allocation.
        var encoder = PartialEncoder(kind: .moments)
        encoder.write(0)
        encoder.write(Int(1) << 40)
        encoder.write(1)
        XCTAssertThrowsError(try MomentsPartial(serialized: encoder.bytes())) { error in
            guard case PartialDecodingError.invalidField = error else { return XCTFail("\(error)") }
        }
    }
}
