import XCTest
@testable import Shards

final class ShardsTestsPlaceholder: XCTestCase {
    func testModuleImports() { XCTAssertTrue(true) }
}
