// Running the Python reference scripts of the test targets, and comparing their numbers.
import Foundation
import XCTest

/// A reference script that failed or printed something other than a JSON object.
public struct ReferenceScriptError: Error, CustomStringConvertible {
    public var description: String
}

/// Runs `Tests/<target>/Python/<name>` with the reference venv and decodes the JSON object it prints. Skips
/// the test (XCTSkip) when there is no venv or the script exits 3 (a package it needs is missing).
public func runReferenceScript(target: String, _ name: String, _ arguments: [String]) throws -> [String: Any] {
    guard let python = TestEnvironment.referencePython else {
        throw XCTSkip("no reference Python venv (set SALIENCE_PYTHON or run ops/python-env)")
    }
    let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/\(target)/Python/\(name)")
    let result = try runProcess(python, [script.path] + arguments)
    if result.status == 3 { throw XCTSkip("reference python lacks a package: \(result.stderr)") }
    guard result.status == 0 else {
        throw ReferenceScriptError(description: "\(name) failed (\(result.status)): \(result.stderr)")
    }
    guard let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] else {
        throw ReferenceScriptError(description: "\(name) printed no JSON object: \(result.stdout)")
    }
    return json
}

/// Asserts |a − b| <= tolerance · max(1, |b|) element-wise.
public func assertClose(
    _ a: [Double], _ b: [Double], relative tolerance: Double, _ message: String = "", file: StaticString = #filePath,
    line: UInt = #line
) {
    XCTAssertEqual(a.count, b.count, "\(message): lengths", file: file, line: line)
    for index in 0..<min(a.count, b.count) {
        let scale = max(1, abs(b[index]))
        if abs(a[index] - b[index]) > tolerance * scale {
            XCTFail("\(message): index \(index): \(a[index]) vs \(b[index])", file: file, line: line)
            return
        }
    }
}
