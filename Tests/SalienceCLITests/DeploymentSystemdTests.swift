// The systemd units in ops/systemd: `systemd-analyze verify` accepts them, and their ExecStart lines,
// expanded the way systemd expands them (Environment=, then the environment files, %i, ${VAR} as one
// word, $VAR split on spaces), start a coordinator and a worker with the real CLI that work together.
import Foundation
import TestSupport
import XCTest

/// A unit file's settings, read the simple way systemd reads these units (no line continuations).
struct SystemdUnit {
    /// Every `Key=value` of the [Service] section, in order.
    var service: [(key: String, value: String)] = []

    init(_ url: URL) throws {
        var section = ""
        for raw in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                section = line
                continue
            }
            guard section == "[Service]", let equals = line.firstIndex(of: "=") else { continue }
            service.append((String(line[..<equals]), String(line[line.index(after: equals)...])))
        }
    }

    /// The values of `key`.
    func values(_ key: String) -> [String] { service.filter { $0.key == key }.map(\.value) }

    /// `Environment=` assignments (space-separated NAME=value pairs, no quoting in our units).
    var environment: [String: String] {
        var result: [String: String] = [:]
        for line in values("Environment") {
            for pair in line.split(separator: " ") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
            }
        }
        return result
    }

    /// An environment file's NAME=value lines.
    static func environmentFile(_ url: URL) throws -> [String: String] {
        var result: [String: String] = [:]
        for raw in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { result[String(parts[0])] = String(parts[1]) }
        }
        return result
    }

    /// ExecStart as systemd runs it: `%i` replaced, a word that is `$NAME` split on whitespace (and
    /// dropped when empty), `${NAME}` inside a word replaced by the value as part of one argument.
    static func expand(_ command: String, environment: [String: String], instance: String) throws -> [String] {
        var words: [String] = []
        for word in command.replacingOccurrences(of: "%i", with: instance).split(separator: " ") {
            if word.hasPrefix("$"), !word.hasPrefix("${") {
                let value = environment[String(word.dropFirst())] ?? ""
                words += value.split(whereSeparator: \.isWhitespace).map(String.init)
                continue
            }
            var expanded = String(word)
            while let open = expanded.range(of: "${") {
                guard let close = expanded[open.upperBound...].firstIndex(of: "}") else { break }
                let name = String(expanded[open.upperBound..<close])
                guard let value = environment[name] else {
                    throw DeploymentTestError.setting("no value for ${\(name)}")
                }
                expanded.replaceSubrange(open.lowerBound...close, with: value)
            }
            words.append(expanded)
        }
        return words
    }
}

final class DeploymentSystemdTests: XCTestCase {
    static let units = ["salience-coordinator.service", "salience-worker@.service"]
    static let installedBinary = "/usr/local/bin/salience"

    static func file(_ name: String) -> URL {
        TestEnvironment.packageRoot.appendingPathComponent("ops/systemd/\(name)")
    }

    private var harness: DeploymentHarness!

    override func setUpWithError() throws { harness = try DeploymentHarness("systemd") }

    override func tearDown() {
        harness?.tearDown()
        harness = nil
    }

    /// `systemd-analyze verify` on copies whose ExecStart names the built binary (verify checks it exists):
    /// no error and no warning about our units.
    func testUnitsPassSystemdAnalyzeVerify() throws {
        let candidates = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        guard let analyze = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("systemd-analyze is not installed (Debian package systemd); cannot verify the units")
        }
        let directory = try harness.directory("units")
        var paths: [String] = []
        for name in Self.units {
            let text = try String(contentsOf: Self.file(name), encoding: .utf8)
            XCTAssertTrue(text.contains("ExecStart=\(Self.installedBinary) "), name)
            let copy = directory.appendingPathComponent(name)
            try text.replacingOccurrences(of: Self.installedBinary, with: TestEnvironment.salienceBinary.path)
                .write(to: copy, atomically: true, encoding: .utf8)
            paths.append(copy.path)
        }
        // An instance of the template too, as `systemctl start salience-worker@1` would load it.
        let instance = directory.appendingPathComponent("salience-worker@1.service")
        try FileManager.default.createSymbolicLink(
            atPath: instance.path,
            withDestinationPath: directory.appendingPathComponent("salience-worker@.service").path)
        paths.append(instance.path)

        let result = try runProcess(URL(fileURLWithPath: analyze), ["verify"] + paths)
        let complaints = (result.stdout + result.stderr).split(separator: "\n").filter { line in
            line.contains("salience-")
        }
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertEqual(complaints, [], "systemd-analyze verify warns about our units")

        // The control: verify does reject a unit whose binary does not exist.
        let broken = directory.appendingPathComponent("salience-broken.service")
        try String(contentsOf: Self.file("salience-coordinator.service"), encoding: .utf8)
            .replacingOccurrences(of: Self.installedBinary, with: harness.path("missing/salience").path)
            .write(to: broken, atomically: true, encoding: .utf8)
        XCTAssertNotEqual(try runProcess(URL(fileURLWithPath: analyze), ["verify", broken.path]).status, 0)
    }

    /// The units' hardening keeps what they need: a state directory, private credentials, restart on failure.
    func testUnitsRestartOnFailureAndKeepSecretsPrivate() throws {
        for name in Self.units {
            let unit = try SystemdUnit(Self.file(name))
            XCTAssertEqual(unit.values("Restart"), ["on-failure"], name)
            XCTAssertEqual(unit.values("NoNewPrivileges"), ["yes"], name)
            XCTAssertEqual(unit.values("ProtectSystem"), ["strict"], name)
            XCTAssertEqual(unit.values("LoadCredential").count, 1, name)
            XCTAssertTrue(unit.values("ExecStart").first?.contains("${CREDENTIALS_DIRECTORY}/") == true, name)
        }
        let coordinator = try SystemdUnit(Self.file("salience-coordinator.service"))
        XCTAssertEqual(coordinator.values("StateDirectory"), ["salience"])
        XCTAssertTrue(coordinator.values("ExecStart").first?.contains("--state ${STATE_DIRECTORY}") == true)
        XCTAssertEqual(
            try SystemdUnit(Self.file("salience-worker@.service")).environment["HDF5_USE_FILE_LOCKING"], "FALSE")
    }

    /// What the two units would run here: their ExecStart lines expanded with the unit defaults, the
    /// example environment files, and test values for the addresses, directories and keys.
    struct UnitCluster {
        var coordinator: [String]
        var coordinatorEnvironment: [String: String]
        var worker: [String]
        var workerEnvironment: [String: String]
        var workerFile: [String: String]
        var client: CoordinatorClient
    }

    private func unitCluster() throws -> UnitCluster {
        let port = try DeploymentHarness.freePort()
        let keys = try harness.directory("etc/keys")
        let allowed = try harness.directory("etc/keys/allowed")
        for name in ["coordinator", "worker", "client"] {
            let made = try harness.salience(["keys", "generate", keys.appendingPathComponent(name).path])
            XCTAssertEqual(made.status, 0, made.stderr)
        }
        for name in ["worker", "client"] {
            try FileManager.default.copyItem(
                at: keys.appendingPathComponent("\(name).pub"), to: allowed.appendingPathComponent("\(name).pub"))
        }
        // LoadCredential= gives the service a copy readable by it alone (mode 0400).
        func credentials(_ service: String, _ key: String) throws -> URL {
            let directory = try harness.directory("credentials/\(service)")
            let copy = directory.appendingPathComponent("\(key).key")
            try FileManager.default.copyItem(at: keys.appendingPathComponent("\(key).key"), to: copy)
            try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: copy.path)
            return directory
        }

        let coordinatorUnit = try SystemdUnit(Self.file("salience-coordinator.service"))
        var coordinatorEnvironment = coordinatorUnit.environment.merging(
            try SystemdUnit.environmentFile(Self.file("coordinator.env"))
        ) { $1 }
        coordinatorEnvironment["SALIENCE_BIND"] = "tcp://127.0.0.1:\(port)"
        coordinatorEnvironment["SALIENCE_ALLOW"] = allowed.path
        coordinatorEnvironment["STATE_DIRECTORY"] = try harness.directory("var/lib/salience").path
        coordinatorEnvironment["CREDENTIALS_DIRECTORY"] = try credentials("coordinator", "coordinator").path
        let coordinatorCommand = try SystemdUnit.expand(
            try XCTUnwrap(coordinatorUnit.values("ExecStart").first), environment: coordinatorEnvironment,
            instance: "")
        XCTAssertEqual(coordinatorCommand.first, Self.installedBinary)

        let workerUnit = try SystemdUnit(Self.file("salience-worker@.service"))
        let workerFile = try SystemdUnit.environmentFile(Self.file("worker.env"))
        var workerEnvironment = workerUnit.environment.merging(workerFile) { $1 }
        workerEnvironment["SALIENCE_COORDINATOR"] = "tcp://127.0.0.1:\(port)"
        workerEnvironment["SALIENCE_SERVER_KEY"] = keys.appendingPathComponent("coordinator.pub").path
        workerEnvironment["SALIENCE_DATA_ROOT"] = try harness.directory("shared/data").path
        workerEnvironment["SALIENCE_WORKER_OPTIONS"] = "--window 3"
        workerEnvironment["CREDENTIALS_DIRECTORY"] = try credentials("worker", "worker").path
        let workerCommand = try SystemdUnit.expand(
            try XCTUnwrap(workerUnit.values("ExecStart").first), environment: workerEnvironment, instance: "1")
        XCTAssertEqual(Array(workerCommand.suffix(2)), ["--window", "3"], "$SALIENCE_WORKER_OPTIONS is split")
        XCTAssertEqual(workerCommand.first, Self.installedBinary)

        return UnitCluster(
            coordinator: Array(coordinatorCommand.dropFirst()), coordinatorEnvironment: coordinatorEnvironment,
            worker: Array(workerCommand.dropFirst()), workerEnvironment: workerEnvironment, workerFile: workerFile,
            client: CoordinatorClient(
                endpoint: "tcp://127.0.0.1:\(port)", key: keys.appendingPathComponent("client.key").path,
                serverKey: keys.appendingPathComponent("coordinator.pub").path))
    }

    /// Runs a small workload through a registered worker and checks its results.
    private func runWorkload(_ client: CoordinatorClient, alive: [Process]) throws {
        let workload = DeploymentWorkload(count: 12, sleepMilliseconds: 10, spinIterations: 10_000)
        let runFile = harness.path("run.json")
        try workload.writeRunFile(to: runFile, name: "systemd")
        let run = try client.submit(runFile)
        try harness.waitUntil("the run to complete", alive: alive) { try client.runState(run) == "completed" }
        XCTAssertEqual(workload.problems(resultsJSONLines: try client.results(run)), [])
    }

    /// The expanded ExecStart lines run: the coordinator takes the worker's key from its allowlist, the
    /// worker registers with the threads of the example worker.env, a run completes, and SIGTERM (systemd's
    /// stop) ends both with status 0 so Restart=on-failure leaves them stopped.
    func testExpandedExecStartLinesFormAWorkingCluster() throws {
        let units = try unitCluster()
        let coordinator = try harness.launch(
            "coordinator", TestEnvironment.salienceBinary, units.coordinator,
            environment: units.coordinatorEnvironment)
        let worker = try harness.launch(
            "worker", TestEnvironment.salienceBinary, units.worker, environment: units.workerEnvironment)
        let client = units.client
        try harness.waitUntil("the unit's worker to register", alive: [coordinator, worker]) {
            try client.workers().count == 1
        }
        let registered = try XCTUnwrap(try client.workers().first)
        XCTAssertEqual(integer(registered["pid"]), Int(worker.processIdentifier))
        XCTAssertEqual(integer(registered["threads"]), Int(try XCTUnwrap(units.workerFile["SALIENCE_THREADS"])))
        XCTAssertEqual(integer(registered["window"]), 3)
        try runWorkload(client, alive: [coordinator, worker])
        let ledger = URL(fileURLWithPath: units.coordinatorEnvironment["STATE_DIRECTORY", default: ""])
            .appendingPathComponent("ledger.sqlite")
        XCTAssertTrue(FileManager.default.fileExists(atPath: ledger.path), "the ledger lives in STATE_DIRECTORY")

        for (name, process) in [("worker", worker), ("coordinator", coordinator)] {
            kill(process.processIdentifier, SIGTERM)
            try harness.waitForExit(process, name)
            XCTAssertEqual(process.terminationReason, .exit, "\(name):\n\(harness.log(name))")
            XCTAssertEqual(process.terminationStatus, 0, "\(name):\n\(harness.log(name))")
        }
    }

    /// The hardening does not break the services: traced with strace through registration, a run and
    /// SIGTERM, the coordinator and the worker make only system calls in the units' SystemCallFilter,
    /// open only sockets of RestrictAddressFamilies, and write files only where ProtectSystem=strict
    /// lets them (the coordinator its StateDirectory; both /dev, /proc and their private /tmp).
    func testHardenedUnitsAllowWhatTheServicesDo() throws {
        guard let strace = ["/usr/bin/strace", "/bin/strace"].first(where: FileManager.default.isExecutableFile)
        else { throw XCTSkip("strace is not installed (apt-get install strace); cannot trace the services") }
        guard
            let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first(
                where: FileManager.default.isExecutableFile)
        else { throw XCTSkip("systemd-analyze is not installed; cannot expand the units' SystemCallFilter") }
        let units = try unitCluster()
        var traced: [String: Process] = [:]
        for (name, arguments, environment) in [
            ("coordinator", units.coordinator, units.coordinatorEnvironment),
            ("worker", units.worker, units.workerEnvironment),
        ] {
            traced[name] = try harness.launch(
                name, URL(fileURLWithPath: strace),
                ["-f", "-qq", "-o", harness.path("\(name).trace").path, TestEnvironment.salienceBinary.path]
                    + arguments, environment: environment)
        }
        let alive = Array(traced.values)
        try harness.waitUntil("the traced worker to register", alive: alive) { try units.client.workers().count == 1 }
        try runWorkload(units.client, alive: alive)
        for name in ["worker", "coordinator"] {
            guard let tracer = traced[name] else { continue }
            for child in childProcessIDs(of: tracer.processIdentifier) { kill(child, SIGTERM) }
            try harness.waitForExit(tracer, "the traced \(name)")
            XCTAssertEqual(tracer.terminationStatus, 0, "\(name) (strace passes on its status):\n\(harness.log(name))")
        }

        for (name, unitFile) in [
            ("coordinator", "salience-coordinator.service"), ("worker", "salience-worker@.service"),
        ] {
            let unit = try SystemdUnit(Self.file(unitFile))
            let trace = try String(contentsOf: harness.path("\(name).trace"), encoding: .utf8)
            let calls = Self.systemCalls(trace)
            XCTAssertGreaterThan(calls.count, 20, "\(name): the trace looks empty")
            var allowed = Set<String>()
            for group in unit.values("SystemCallFilter").flatMap({ $0.split(separator: " ").map(String.init) }) {
                allowed.formUnion(try Self.expandSystemCallGroup(group, analyze: URL(fileURLWithPath: analyze)))
            }
            XCTAssertEqual(calls.subtracting(allowed).sorted(), [], "\(name): system calls outside SystemCallFilter")

            let families = Set(
                unit.values("RestrictAddressFamilies").flatMap { $0.split(separator: " ").map(String.init) })
            let opened = Set(Self.matches(#"socket\((AF_[A-Z0-9]+)"#, in: trace))
            XCTAssertEqual(opened.subtracting(families).sorted(), [], "\(name): socket families outside the unit's")

            var writable = ["/dev/", "/proc/", harness.path("").path]  // the scratch stands for the private /tmp
            if name == "coordinator" { writable.append(units.coordinatorEnvironment["STATE_DIRECTORY", default: "/"]) }
            // Flags on the same line: with several threads traced, strace splits a call into `<unfinished ...>`
            // and `<... resumed>` lines, and a pattern that crossed lines paired one file with another's flags.
            let written = Self.matches(#"openat\(AT_FDCWD, "([^"]+)", [^)\n]*O_(?:WRONLY|RDWR|CREAT)"#, in: trace)
            let outside = written.filter { path in !writable.contains { path.hasPrefix($0) } }
            XCTAssertEqual(Set(outside).sorted(), [], "\(name): writes outside what ProtectSystem=strict allows")
        }
    }

    /// Ids of the processes whose parent is `parent` (from /proc/PID/stat).
    private func childProcessIDs(of parent: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && Int32(fields[1]) == parent
        }
    }

    /// The names of the system calls in an `strace -f` log ("PID name(" at the start of a line).
    static func systemCalls(_ trace: String) -> Set<String> {
        Set(matches(#"(?m)^\d+ +([a-z0-9_]+)\("#, in: trace))
    }

    /// The first capture group of every match of `pattern`.
    static func matches(_ pattern: String, in text: String) -> [String] {
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// The system calls of a SystemCallFilter entry: a call's name, or a @group expanded (recursively)
    /// with `systemd-analyze syscall-filter`.
    static func expandSystemCallGroup(_ entry: String, analyze: URL) throws -> Set<String> {
        guard entry.hasPrefix("@") else { return [entry] }
        let result = try runProcess(analyze, ["syscall-filter", entry])
        guard result.status == 0 else { throw DeploymentTestError.setting("syscall-filter \(entry): \(result.stderr)") }
        var calls = Set<String>()
        for line in result.stdout.split(separator: "\n").dropFirst() {
            let word = line.split(separator: "#").first?.trimmingCharacters(in: .whitespaces) ?? ""
            if word.isEmpty { continue }
            calls.formUnion(word.hasPrefix("@") ? try expandSystemCallGroup(word, analyze: analyze) : [word])
        }
        return calls
    }
}
