import XCTest
@testable import Reports

final class ReportsTestsPlaceholder: XCTestCase {
    func testModuleImports() { XCTAssertTrue(true) }
}
