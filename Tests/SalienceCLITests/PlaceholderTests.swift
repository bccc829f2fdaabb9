import XCTest
@testable import Shards

final class SalienceCLITestsPlaceholder: XCTestCase {
    func testModuleImports() { XCTAssertTrue(true) }
}
