import XCTest
@testable import Learn

final class LearnTestsPlaceholder: XCTestCase {
    func testModuleImports() { XCTAssertTrue(true) }
}
