import XCTest
@testable import Attribution

final class AttributionTestsPlaceholder: XCTestCase {
    func testModuleImports() { XCTAssertTrue(true) }
}
