import XCTest

@testable import Scan

final class ScanTestsPlaceholder: XCTestCase {
    func testModuleImports() { XCTAssertTrue(true) }
}
