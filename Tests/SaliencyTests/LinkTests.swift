import XCTest
import Saliency

final class LinkTests: XCTestCase {
    func testLinksOpenBLAS() {
        XCTAssertGreaterThanOrEqual(blasThreadCount(), 1)
    }
}
