import Foundation
import TestSupport
import XCTest

@testable import Cluster

/// The ledger's schema steps (GRDB migrations): a ledger of an older build upgrades in place and keeps its
/// runs; one of a newer build, or with a state this build does not know, is refused with a reason instead of
/// being half-understood (or trapping in a decoder).
final class LedgerSchemaTests: XCTestCase {
    private func sqlite(_ path: URL, _ sql: String) throws {
        let made = try runProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), [path.path, sql])
        XCTAssertEqual(made.status, 0, made.stderr)
    }

    private func query(_ path: URL, _ sql: String) throws -> String {
        try runProcess(URL(fileURLWithPath: "/usr/bin/sqlite3"), [path.path, sql]).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The schema the first builds wrote (no `holder`, no migrations table), written by the sqlite3 CLI.
    private func writeFirstBuildLedger(_ path: URL, runState: String = "running") throws {
        try sqlite(
            path,
            """
            CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT, planner TEXT NOT NULL, spec BLOB,
                lease_seconds REAL NOT NULL, state TEXT NOT NULL, error TEXT, phase INTEGER NOT NULL,
                created REAL NOT NULL, finished REAL);
            CREATE TABLE tasks (id INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL, phase INTEGER NOT NULL,
                idx INTEGER NOT NULL, kind TEXT NOT NULL, payload BLOB NOT NULL, state INTEGER NOT NULL DEFAULT 0,
                failures INTEGER NOT NULL DEFAULT 0, same_errors INTEGER NOT NULL DEFAULT 0, last_error TEXT,
                result BLOB, worker TEXT, finished REAL, UNIQUE (run, phase, idx));
            CREATE INDEX tasks_by_state ON tasks (state, run);
            INSERT INTO runs VALUES ('old', 'n', 'flat', NULL, 30, '\(runState)', NULL, 0, 1, NULL);
            INSERT INTO tasks (run, phase, idx, kind, payload) VALUES ('old', 0, 0, 'k', X'\(hex(Payload(body: Data([7])).blob))');
            INSERT INTO tasks (run, phase, idx, kind, payload, state) VALUES ('old', 0, 1, 'k', X'00', 1);
            """)
    }

    private func hex(_ data: Data) -> String { data.map { String(format: "%02X", $0) }.joined() }

    func testAFirstBuildLedgerUpgradesInPlaceAndKeepsItsRun() throws {
        let scratch = try ScratchDirectory("ledger-schema")
        defer { scratch.remove() }
        let path = scratch.path("ledger.sqlite")
        try writeFirstBuildLedger(path)
        let ledger = try Ledger(directory: scratch.url)
        XCTAssertEqual(try ledger.loadRuns().map(\.state), [.running])
        let pending = try ledger.loadPendingTasks()
        XCTAssertEqual(pending.map(\.index), [0], "the done task is not pending")
        XCTAssertEqual(pending.first?.payload.body, Data([7]))
        try ledger.recordLeases([(id: pending[0].id, holder: "w1")])
        XCTAssertEqual(try ledger.loadPendingTasks().first?.holder, "w1", "the v2 column was added")
        XCTAssertEqual(
            try query(path, "SELECT identifier FROM grdb_migrations ORDER BY identifier"),
            "v1 runs and tasks\nv2 task holder\nv3 task affinity")
        XCTAssertEqual(try query(path, "PRAGMA application_id"), String(LedgerSchema.applicationID))
        XCTAssertEqual(try ledger.phaseCounts(run: "old").first?.done, 1)
        _ = try Ledger(directory: scratch.url)  // reopening a current ledger changes nothing and succeeds
    }

    func testALedgerOfANewerBuildIsRefusedNamingTheUnknownStep() throws {
        let scratch = try ScratchDirectory("ledger-newer")
        defer { scratch.remove() }
        _ = try Ledger(directory: scratch.url)
        let path = scratch.path("ledger.sqlite")
        try sqlite(path, "INSERT INTO grdb_migrations (identifier) VALUES ('v9 something new');")
        XCTAssertThrowsError(try Ledger(directory: scratch.url)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("newer Salience"), text)
            XCTAssertTrue(text.contains("v9 something new"), text)
        }
    }

    func testARunStateThisBuildDoesNotKnowIsAnErrorNamingTheRun() throws {
        let scratch = try ScratchDirectory("ledger-state")
        defer { scratch.remove() }
        try writeFirstBuildLedger(scratch.path("ledger.sqlite"), runState: "paused")
        let ledger = try Ledger(directory: scratch.url)
        XCTAssertThrowsError(try ledger.loadRuns()) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("old") && text.contains("paused"), text)
        }
    }
}
