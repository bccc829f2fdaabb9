import HDF5
import XCTest

final class LinkTests: XCTestCase {
    func testLinksHDF5OneDotTen() {
        let v = libhdf5Version()
        XCTAssertEqual(v.major, 1)
        XCTAssertGreaterThanOrEqual(v.minor, 10)
    }
}
