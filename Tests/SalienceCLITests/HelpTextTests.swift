import Foundation
import TestSupport
import XCTest

/// Every command's `--help` at 80 columns (what a pipe or a log gets): argument-parser keeps the line
/// breaks a `discussion:` has and wraps any line longer than the screen at its last space, without indent.
/// So prose is written as one line per paragraph (Swift's `\` line continuation) for it to wrap, and every
/// indented line (examples, option tables, a continued shell command) must fit in 79 columns to come out
/// whole. This reads each command's discussion from `--experimental-dump-help` and checks that every
/// indented line of it is a line of the printed help.
final class HelpTextTests: XCTestCase {
    private struct Command {
        var path: [String]
        var discussion: String
    }

    private func commands(_ info: [String: Any], path: [String]) -> [Command] {
        var found = [Command(path: path, discussion: info["discussion"] as? String ?? "")]
        for sub in info["subcommands"] as? [[String: Any]] ?? [] {
            guard let name = sub["commandName"] as? String, name != "help" else { continue }
            found += commands(sub, path: path + [name])
        }
        return found
    }

    func testEveryExampleAndTableLineSurvivesWrappingAt80Columns() throws {
        let environment = ProcessInfo.processInfo.environment.merging(["COLUMNS": "80"]) { $1 }
        let dump = try runProcess(
            TestEnvironment.salienceBinary, ["--experimental-dump-help"], environment: environment)
        XCTAssertEqual(dump.status, 0, dump.stderr)
        let tool = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        let all = commands(try XCTUnwrap(tool["command"] as? [String: Any]), path: [])
        XCTAssertGreaterThan(all.count, 20, "every command and subcommand: \(all.map(\.path))")
        var checkedLines = 0
        for command in all {
            let help = try runProcess(
                TestEnvironment.salienceBinary, command.path + ["--help"], environment: environment)
            XCTAssertEqual(help.status, 0, "\(command.path): \(help.stderr)")
            let printed = Set(help.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
            for line in command.discussion.split(separator: "\n") where line.first == " " {
                checkedLines += 1
                XCTAssertTrue(
                    printed.contains(String(line)),
                    "salience \(command.path.joined(separator: " ")) --help breaks this line "
                        + "(\(line.count) columns):\n\(line)\n---\n\(help.stdout)")
            }
        }
        XCTAssertGreaterThan(checkedLines, 40, "the examples were found")
    }
}
