import XCTest
import ZeroMQ

final class LinkTests: XCTestCase {
    func testLinksLibzmq4() {
        XCTAssertEqual(libzmqVersion().major, 4)
    }
}
