import Foundation
import Scan
import XCTest

/// Spec text that crashed toml++ 3.4.0 inside TOMLKit (found by `ops/fuzz scan-spec`): a table header whose
/// name does not start with a key character. Each must be a syntax error naming line and column, not an abort.
final class ScanSpecHostileTextTests: XCTestCase {
    private func syntaxPosition(_ toml: String) -> (line: Int, column: Int, message: String)? {
        do {
            _ = try ScanSpec.parse(toml: toml, source: "hostile.toml")
        } catch ScanSpecError.syntax(let source, let message, let line, let column) {
            XCTAssertEqual(source, "hostile.toml")
            return (line, column, message)
        } catch {
            XCTFail("expected a syntax error, got \(error)")
        }
        return nil
    }

    func testTableHeaderNotStartingWithAKeyIsASyntaxErrorNotACrash() throws {
        // (text, line, column) of the offending character, counted by hand.
        let cases: [(String, Int, Int)] = [
            ("[\u{17}", 1, 2), ("[&", 1, 2), ("[ é]", 1, 3), ("[[\u{7f}", 1, 3),
            ("name = \"x\"\n[dataset]\ndirectory = \"d\"\n  [ \u{17}", 4, 5),
            // A newline or CR right after the bracket (found by the fuzzer in a mutated scan-example.toml),
            // and a CRLF file, where "\r\n" is one Swift Character but two bytes to toml++.
            ("[\nemodoutput]", 1, 2), ("[ \r\nx]", 1, 3), ("a = 1\r\n[&]\r\n", 2, 2),
            // After a byte-order mark, which toml++ skips (found by the fuzzer), or other white space.
            ("\u{FEFF}[&]", 1, 3), ("\u{3000}[&]", 1, 3),
        ]
        for (text, line, column) in cases {
            let found = try XCTUnwrap(syntaxPosition(text), text.debugDescription)
            XCTAssertEqual(found.line, line, text.debugDescription)
            XCTAssertEqual(found.column, column, text.debugDescription)
            XCTAssertTrue(found.message.contains("table header"), found.message)
        }
    }

    func testClosingBraceWhereAnArrayValueMustBeIsASyntaxErrorNotACrash() throws {
        // (text, line, column) of the '}', counted by hand; the last found by the fuzzer.
        let cases: [(String, Int, Int)] = [
            ("x = [}", 1, 6), ("x = [1,}", 1, 8), ("x = [\n# c\n }", 3, 2), ("x = {a=[}}", 1, 9),
            ("x = [[}]]", 1, 7), ("# ,,\n[selection]\nmethods = [}", 3, 12),
        ]
        for (text, line, column) in cases {
            let found = try XCTUnwrap(syntaxPosition(text), text.debugDescription)
            XCTAssertEqual(found.line, line, text.debugDescription)
            XCTAssertEqual(found.column, column, text.debugDescription)
            XCTAssertTrue(found.message.contains("'}'"), found.message)
        }
        // The same characters inside strings and comments are text, not syntax.
        let spec = try ScanSpec.parse(
            toml: #"""
                name = "[}, ,}" # [}
                [dataset]
                directory = '''a
                x[}'''
                [output]
                directory = "o\",}"

                """#)
        XCTAssertEqual(spec.name, "[}, ,}")
        XCTAssertEqual(spec.dataset.directory, "a\nx[}")
        XCTAssertEqual(spec.output.directory, "o\",}")
    }

    func testQuotedAndBareTableHeadersStillParse() throws {
        let spec = try ScanSpec.parse(
            toml: "name = \"x\"\n[ dataset ]\ndirectory = \"d\"\n[\"output\"]\ndirectory = \"o\"\n")
        XCTAssertEqual(spec.dataset.directory, "d")
        XCTAssertEqual(spec.output.directory, "o")
    }
}
