import Saliency
import XCTest

final class LinkTests: XCTestCase {
    func testLinksOpenBLAS() {
        XCTAssertGreaterThanOrEqual(blasThreadCount(), 1)
    }
}
