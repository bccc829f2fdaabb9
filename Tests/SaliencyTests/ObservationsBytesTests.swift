import Foundation
import XCTest

@testable import Saliency

/// Pooled rows travel from the statistics tasks to the KSG tasks as bytes: exact both ways, and hostile bytes
/// are refused with a reason, never trusted for a size.
final class ObservationsBytesTests: XCTestCase {
    func testRoundTripIsExactWithAndWithoutRowKeys() throws {
        var generator = SystemRandomNumberGenerator()
        let features = (0..<(7 * 3)).map { _ in Double.random(in: -1e6...1e6, using: &generator) }
        let targets = (0..<(7 * 2)).map { _ in Double.random(in: -1...1, using: &generator) }
        for keys in [nil, (0..<7).map { _ in UInt64.random(in: 0...UInt64.max, using: &generator) }] {
            let rows = try Observations(
                features: features, targets: targets, count: 7, dimensions: 3, targetCount: 2, firstDimension: 40,
                rowKeys: keys)
            let back = try Observations(serialized: rows.serialized())
            XCTAssertEqual(back.features.map(\.bitPattern), features.map(\.bitPattern))
            XCTAssertEqual(back.targets.map(\.bitPattern), targets.map(\.bitPattern))
            XCTAssertEqual(back.rowKeys, keys)
            XCTAssertEqual(back.dimensionRange, 40..<43)
            XCTAssertEqual(back.count, 7)
        }
        let empty = try Observations(features: [], targets: [], count: 0, dimensions: 4, targetCount: 1, rowKeys: [])
        XCTAssertEqual(try Observations(serialized: empty.serialized()).count, 0)
    }

    func testTruncatedOversizedAndMismatchedBytesAreRefused() throws {
        let rows = try Observations(
            features: [1, 2, 3, 4], targets: [5, 6], count: 2, dimensions: 2, targetCount: 1, rowKeys: [9, 10])
        let bytes = rows.serialized()
        for cut in [0, 10, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try Observations(serialized: Array(bytes.prefix(cut))), "cut at \(cut)")
        }
        XCTAssertThrowsError(try Observations(serialized: bytes + [0]), "a trailing byte")
        // A row count the bytes cannot hold is refused before anything is allocated for it.
        var huge = PartialEncoder(kind: .observations)
        huge.write(Int(Int32.max))
        huge.write(1 << 20)
        huge.write(1)
        huge.write(0)
        XCTAssertThrowsError(try Observations(serialized: huge.bytes()))
        // Another partial's bytes.
        XCTAssertThrowsError(
            try Observations(serialized: MomentsPartial(dimensions: 0..<2, targetCount: 1).serialized()))
    }
}
