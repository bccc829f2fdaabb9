import TestSupport
import XCTest

final class HelpTests: XCTestCase {
    func testHelpNamesTheCommand() throws {
        let result = try runProcess(TestEnvironment.salienceBinary, ["--help"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("salience"), result.stdout)
    }
}
