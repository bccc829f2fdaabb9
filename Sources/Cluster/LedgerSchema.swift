import Foundation
import GRDB

#if canImport(Glibc)
    import Glibc
#endif

/// The ledger's tables, and the checks made before a file is trusted as a ledger.
///
/// A `--state` directory pointed by mistake at another program's data must not be altered (adding tables or
/// switching it to WAL would damage that program's file), and a ledger corrupted in the middle must be found
/// at start, not by the first `results` that reads the damaged page hours later. So an existing file is opened
/// read-only first, checked, and only then opened for writing.
enum LedgerSchema {
    /// `PRAGMA application_id` of ledgers this build creates: "SLCE".
    static let applicationID: Int32 = 0x534C_4345
    /// Schema objects of a ledger (tables and the index); anything else marks a foreign database.
    static let ownObjects: Set<String> = ["runs", "tasks", "tasks_by_state", "grdb_migrations"]

    /// A missing ledger is created empty with mode 0600 (SQLite gives its WAL and shared-memory files the
    /// database file's mode); an existing one is inspected read-only and refused when foreign or corrupt.
    static func createOrInspect(path: String) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 {
            close(descriptor)
            return
        }
        guard errno == EEXIST else {
            throw ClusterError.badState(
                path: path, reason: "cannot create the ledger: \(String(cString: strerror(errno)))")
        }
        try inspect(path: path)
    }

    /// Opens `path` read-only and throws `ClusterError.badState` unless it is a Salience ledger (or empty) that
    /// SQLite's `quick_check` passes.
    static func inspect(path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ClusterError.badState(path: path, reason: "is a directory, not a ledger file")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        if size == 0 { return }  // created by us and never written (e.g. killed at once)
        var configuration = Configuration()
        configuration.readonly = true
        let objects: [String]
        let applicationID: Int32
        let check: [String]
        do {
            let database = try DatabaseQueue(path: path, configuration: configuration)
            (objects, applicationID, check) = try database.read { db in
                (
                    try String.fetchAll(
                        db, sql: "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"),
                    try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0,
                    try String.fetchAll(db, sql: "PRAGMA quick_check(5)")
                )
            }
            try database.close()
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CORRUPT {
            throw ClusterError.badState(
                path: path,
                reason:
                    "the ledger is corrupt (SQLite quick_check: \(error.message ?? "database disk image is malformed")); "
                    + "restore it from a backup, or move it away to start with an empty ledger")
        } catch let error as DatabaseError {
            throw ClusterError.badState(
                path: path,
                reason: "is not a readable SQLite ledger (\(error.message ?? "\(error.resultCode)")); "
                    + "move it away to start with an empty ledger, or restore it from a backup")
        }
        let foreign = objects.filter { !ownObjects.contains($0) }
        if !foreign.isEmpty || (applicationID != 0 && applicationID != Self.applicationID) {
            throw ClusterError.badState(
                path: path,
                reason: "is an SQLite database of another program (tables: \(foreign.prefix(8).joined(separator: ", "))"
                    + "; application_id \(applicationID)); refusing to touch it: give --state a directory of its own")
        }
        if check != ["ok"] {
            throw ClusterError.badState(
                path: path,
                reason: "the ledger is corrupt (SQLite quick_check: \(check.prefix(3).joined(separator: "; "))); "
                    + "restore it from a backup, or move it away to start with an empty ledger")
        }
    }

    /// The ledger's schema as GRDB migrations, applied in order and recorded in `grdb_migrations`, so that
    /// each build knows exactly which changes a ledger has and a newer build's ledger is recognised as such.
    /// Ledgers written before migrations were recorded hold v1 (and maybe v2's column): each step checks
    /// what exists instead of assuming, so they upgrade in place.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 runs and tasks") { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS runs (
                        id TEXT PRIMARY KEY, name TEXT, planner TEXT NOT NULL, spec BLOB,
                        lease_seconds REAL NOT NULL, state TEXT NOT NULL, error TEXT,
                        phase INTEGER NOT NULL, created REAL NOT NULL, finished REAL);
                    CREATE TABLE IF NOT EXISTS tasks (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, run TEXT NOT NULL, phase INTEGER NOT NULL,
                        idx INTEGER NOT NULL, kind TEXT NOT NULL, payload BLOB NOT NULL,
                        state INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
                        same_errors INTEGER NOT NULL DEFAULT 0, last_error TEXT, result BLOB,
                        worker TEXT, finished REAL,
                        UNIQUE (run, phase, idx));
                    CREATE INDEX IF NOT EXISTS tasks_by_state ON tasks (state, run);
                    """)
        }
        // Who a task was last sent to: after a restart only that worker may claim the lease back in HELLO.
        migrator.registerMigration("v2 task holder") { db in
            if try !db.columns(in: "tasks").contains(where: { $0.name == "holder" }) {
                try db.execute(sql: "ALTER TABLE tasks ADD COLUMN holder TEXT")
            }
        }
        // The planner's data key of a task, so that the coordinator's preference survives a restart.
        migrator.registerMigration("v3 task affinity") { db in
            if try !db.columns(in: "tasks").contains(where: { $0.name == "affinity" }) {
                try db.execute(sql: "ALTER TABLE tasks ADD COLUMN affinity TEXT")
            }
        }
        return migrator
    }

    /// Brings the ledger to this build's schema and marks it as a Salience ledger. A ledger that records
    /// migrations this build does not know was written by a newer build: refused, not half-understood.
    static func migrate(_ database: DatabaseQueue, path: String) throws {
        let migrator = Self.migrator
        if try database.read({ try migrator.hasBeenSuperseded($0) }) {
            let known = Set(migrator.migrations)
            let applied = try database.read { try migrator.appliedIdentifiers($0) }
            throw ClusterError.badState(
                path: path,
                reason: "the ledger was written by a newer Salience (schema steps "
                    + applied.subtracting(known).sorted().joined(separator: ", ")
                    + " are unknown to this build); run that build, or give --state a new directory")
        }
        try migrator.migrate(database)
        try database.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA application_id = \(applicationID)") }
    }
}
