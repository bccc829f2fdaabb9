import Shards
import XCTest

/// Blocks of whole utterances, in order, each within the row bound unless one utterance alone exceeds it.
final class UtteranceBlocksTests: XCTestCase {
    func testBlocksKeepUtterancesWholeAndInOrder() {
        // Lengths 3, 1, 5, 2: the first two fill 4 rows, the 5-row utterance stands alone, the last follows.
        XCTAssertEqual(UtteranceBlocks.ranges(offsets: [0, 3, 4, 9, 11], rowsPerBlock: 4), [0..<2, 2..<3, 3..<4])
        XCTAssertEqual(UtteranceBlocks.ranges(offsets: [0, 3, 4, 9, 11], rowsPerBlock: 100), [0..<4])
        XCTAssertEqual(
            UtteranceBlocks.ranges(offsets: [0, 3, 4, 9, 11], rowsPerBlock: 1), [0..<1, 1..<2, 2..<3, 3..<4])
        XCTAssertEqual(UtteranceBlocks.ranges(offsets: [0], rowsPerBlock: 4), [])
        XCTAssertEqual(UtteranceBlocks.ranges(offsets: [], rowsPerBlock: 4), [])
    }
}
