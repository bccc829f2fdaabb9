import XCTest

@testable import Shards

/// `firstNonFinite` (the check every frame read goes through) finds the first NaN or infinity wherever it
/// is: inside a 16-lane block, in the tail, several at once; and nil when every value is finite.
final class FiniteCheckTests: XCTestCase {
    func firstNonFinite(_ values: [Float]) -> Int? { values.withUnsafeBufferPointer { Shards.firstNonFinite($0) } }

    func testFindsTheFirstBadValueAnywhere() {
        for count in [0, 1, 15, 16, 17, 100, 4099] {
            let finite = (0..<count).map { Float($0) * 0.5 - 7 }
            XCTAssertNil(firstNonFinite(finite), "\(count) finite values")
            XCTAssertNil(firstNonFinite(finite + [Float.greatestFiniteMagnitude, -0.0]), "large and -0 are finite")
            for position in Set([0, count / 2, max(0, count - 1)]) where position < count {
                for bad in [Float.nan, .infinity, -.infinity, Float.signalingNaN] {
                    var values = finite
                    values[position] = bad
                    XCTAssertEqual(firstNonFinite(values), position, "\(bad) at \(position) of \(count)")
                    let oneThread = values.withUnsafeBufferPointer { Shards.firstNonFinite(inOneThread: $0) }
                    XCTAssertEqual(oneThread, position, "one thread: \(bad) at \(position) of \(count)")
                    if position + 3 < count {
                        values[position + 3] = .nan
                        XCTAssertEqual(firstNonFinite(values), position, "two bad values, \(count)")
                    }
                }
            }
        }
    }

    /// Blocks large enough to be checked in slices on several threads: the first bad value is still the one
    /// reported, whichever slice holds it and however many slices hold one.
    func testLargeBlocksCheckedInSlicesReportTheFirstBadValue() {
        let count = 3 * (1 << 18) + 5
        let finite = [Float](repeating: 0.25, count: count)
        XCTAssertNil(firstNonFinite(finite))
        let placements = [
            [0], [count - 1], [count / 2], [count / 2, count - 2], [1 << 18, 3], [count - 1, count / 3],
        ]
        for positions in placements {
            var values = finite
            for position in positions { values[position] = .nan }
            XCTAssertEqual(firstNonFinite(values), positions.min(), "NaN at \(positions) of \(count)")
            let oneThread = values.withUnsafeBufferPointer { Shards.firstNonFinite(inOneThread: $0) }
            XCTAssertEqual(oneThread, positions.min(), "one thread: NaN at \(positions) of \(count)")
        }
    }
}
