import Numerics
import Saliency
import XCTest

final class LinkTests: XCTestCase {
    func testLinksOpenBLAS() {
        XCTAssertGreaterThanOrEqual(BLASThreads.current, 1)
    }
}
