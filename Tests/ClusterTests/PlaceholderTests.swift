import XCTest
@testable import Cluster

final class ClusterTestsPlaceholder: XCTestCase {
    func testModuleImports() { XCTAssertTrue(true) }
}
