import Foundation
import TestSupport
import XCTest

@testable import Cluster

/// The `--state` directory and the files a coordinator is started with, as a clumsy operator gets them
/// wrong: each mistake is refused at start with a sentence naming the file, and nothing is altered.
final class StateDirectoryTests: XCTestCase {
    private func coordinator(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(TestEnvironment.salienceBinary, ["coordinator"] + arguments)
    }

    func testSecondCoordinatorOnTheSameStateRefusesAndNamesTheHolder() throws {
        let harness = try ClusterHarness("state-lock")
        defer { harness.tearDown() }
        let first = try harness.startCoordinator()
        _ = try harness.client().status()
        let second = try coordinator([
            "--bind", "ipc://\(harness.scratch.path("second.ipc").path)", "--state", harness.state.path,
        ])
        XCTAssertNotEqual(second.status, 0, "a second coordinator on the same state must not start")
        XCTAssertTrue(second.stderr.contains("in use"), second.stderr)
        XCTAssertTrue(second.stderr.contains("pid \(first.processIdentifier)"), "names the holder: \(second.stderr)")
        XCTAssertTrue(first.isRunning, "the first one is untouched")
        // The lock dies with its holder: after SIGKILL a new coordinator starts on the same state.
        harness.kill9("coordinator")
        try harness.startCoordinator()
        XCTAssertNoThrow(try harness.client().status())
    }

    func testStateDirectoryAndLedgerArePrivate() throws {
        let harness = try ClusterHarness("state-private")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        let client = try harness.client()
        _ = try client.submit(RunSubmission(name: "p", tasks: SpinWorkload.tasks(2, iterations: 10)))
        func mode(_ url: URL) throws -> Int {
            (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int ?? -1) & 0o777
        }
        XCTAssertEqual(try mode(harness.state), 0o700)
        for name in try FileManager.default.contentsOfDirectory(atPath: harness.state.path) {
            XCTAssertEqual(try mode(harness.state.appendingPathComponent(name)), 0o600, name)
        }
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: harness.state.appendingPathComponent("ledger.sqlite-wal").path))
    }

    func testStateOnARegularFileIsRefusedInASentence() throws {
        let scratch = try ScratchDirectory("state-file")
        defer { scratch.remove() }
        let file = scratch.path("not-a-directory")
        try Data("x".utf8).write(to: file)
        let result = try coordinator(["--bind", "ipc://\(scratch.path("c.ipc").path)", "--state", file.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("is a file, not a directory"), result.stderr)
        XCTAssertFalse(result.stderr.contains("NSCocoaErrorDomain"), "no raw Foundation error: \(result.stderr)")
    }

    /// Another program's SQLite database where the ledger would be: refused before anything is written
    /// (no tables added, no switch to WAL, not a byte changed).
    func testForeignSQLiteDatabaseIsRefusedUntouched() throws {
        let scratch = try ScratchDirectory("state-foreign")
        defer { scratch.remove() }
        let state = scratch.path("state")
        try FileManager.default.createDirectory(at: state, withIntermediateDirectories: true)
        let ledger = state.appendingPathComponent("ledger.sqlite")
        let made = try runProcess(
            URL(fileURLWithPath: "/usr/bin/sqlite3"),
            [
                ledger.path,
                "CREATE TABLE photos (id INTEGER PRIMARY KEY, path TEXT); INSERT INTO photos (path) VALUES ('a.jpg');",
            ])
        XCTAssertEqual(made.status, 0, made.stderr)
        let before = try Data(contentsOf: ledger)
        let result = try coordinator(["--bind", "ipc://\(scratch.path("c.ipc").path)", "--state", state.path])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("another program"), result.stderr)
        XCTAssertTrue(result.stderr.contains("photos"), "names what it found: \(result.stderr)")
        XCTAssertEqual(try Data(contentsOf: ledger), before, "the foreign file is unchanged")
        XCTAssertFalse(FileManager.default.fileExists(atPath: ledger.path + "-wal"), "not switched to WAL")
    }

    /// A page in the middle of the ledger overwritten: found by SQLite's quick_check at start, not hours later
    /// by the first request that reads the page.
    func testCorruptionInTheMiddleOfTheLedgerIsFoundAtStart() throws {
        let harness = try ClusterHarness("state-corrupt")
        defer { harness.tearDown() }
        try harness.startCoordinator()
        let client = try harness.client()
        // Enough tasks, with large enough inputs, for the ledger to span many pages.
        let tasks = (0..<400).map { index in
            TaskSpec(kind: "cluster.noop", payload: Payload(body: Data(repeating: UInt8(index % 251), count: 1000)))
        }
        _ = try client.submit(RunSubmission(name: "pages", tasks: tasks))
        harness.kill9("coordinator")
        let ledger = harness.state.appendingPathComponent("ledger.sqlite")
        // Move what the WAL holds into the database file, so that the damage below hits committed pages.
        let checkpoint = try runProcess(
            URL(fileURLWithPath: "/usr/bin/sqlite3"), [ledger.path, "PRAGMA wal_checkpoint(TRUNCATE);"])
        XCTAssertEqual(checkpoint.status, 0, checkpoint.stderr)
        let handle = try FileHandle(forUpdating: ledger)
        let size = try handle.seekToEnd()
        XCTAssertGreaterThan(size, 40 * 4096, "the ledger spans many pages")
        let middlePage = (size / 4096 / 2) * 4096
        try handle.seek(toOffset: middlePage)
        var generator = SystemRandomNumberGenerator()
        try handle.write(contentsOf: Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &generator) }))
        try handle.close()
        let result = try runProcess(
            TestEnvironment.salienceBinary, ["coordinator", "--bind", harness.endpoint, "--state", harness.state.path])
        XCTAssertNotEqual(result.status, 0, "a corrupt ledger is refused at start")
        XCTAssertTrue(result.stderr.contains("corrupt"), result.stderr)
        XCTAssertTrue(result.stderr.contains("quick_check"), result.stderr)
    }

    func testEmptyOrNonUTF8AllowlistIsRefused() throws {
        let scratch = try ScratchDirectory("state-allowlist")
        defer { scratch.remove() }
        try KeyFiles.generate(at: scratch.path("coordinator"))
        let cases: [(name: String, contents: Data, expected: String)] = [
            ("empty", Data(), "no keys"),
            ("comments-only", Data("# nobody yet\n".utf8), "no keys"),
            ("latin1", Data([0x23, 0x20, 0xE9, 0xFF, 0x0A]), "not UTF-8"),
        ]
        for item in cases {
            let list = scratch.path(item.name)
            try item.contents.write(to: list)
            for flag in ["--allow", "--worker-keys"] {
                let result = try coordinator([
                    "--bind", "ipc://\(scratch.path("c.ipc").path)", "--state", scratch.path("state").path,
                    "--key", scratch.path("coordinator.key").path, flag, list.path,
                ])
                XCTAssertNotEqual(result.status, 0, "\(item.name) with \(flag) must not start a coordinator")
                XCTAssertTrue(result.stderr.contains(item.expected), "\(item.name): \(result.stderr)")
                XCTAssertTrue(result.stderr.contains(list.path), "names the file: \(result.stderr)")
            }
        }
    }
}
