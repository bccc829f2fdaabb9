import Cluster
import Foundation
import Saliency
import Shards
import TestSupport
import XCTest

@testable import Scan
@testable import ScanModel

/// Scans run through the real CLI on embedded clusters (real worker processes, ZeroMQ, SQLite ledger):
/// scores and selections equal the single-machine `salience scores` on any cluster size and with a worker
/// killed mid-scan; bad inputs fail the run, naming file or field, and the report says failed.
final class ScanClusterTests: XCTestCase {
    var scratch: ScratchDirectory!
    var dataRoot: URL { scratch.path("data") }

    override func setUpWithError() throws {
        scratch = try ScratchDirectory("salience-scan")
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 360
        configuration.dimension = 16
        configuration.relevantDimensions = 4
        configuration.shards = 3
        try SyntheticDataset(configuration: configuration).write(to: dataRoot.appendingPathComponent("syn"))
    }

    override func tearDown() { scratch.remove() }

    /// A spec over the scores with the smallest grid that still trains (scores are what these tests check).
    func smallSpec(output: String, methods: [ScanSpec.Method] = [.ccs, .mis, .misHist, .pca]) -> ScanSpec {
        var spec = ScanSpec(datasetDirectory: "syn", name: "same-answer")
        spec.selection.methods = methods
        spec.selection.ratios = [0.5]
        spec.selection.thresholds = methods.contains(where: \.takesThresholds) ? [.mean] : []
        spec.decoder = ScanSpec.Decoder(
            kind: .gruFF, convChannels: 0, kernel: 0, gruUnits: 4, gruLayers: 1, ffUnits: 4, dropout: 0)
        spec.training.seeds = [1]
        spec.training.epochs = 1
        spec.training.labelVariance = [.off]
        spec.cluster.utterancesPerTask = 40
        spec.cluster.dimensionBlock = 5
        spec.output.directory = scratch.path(output).path
        return spec
    }

    func writeSpec(_ spec: ScanSpec, _ name: String) throws -> URL {
        let url = scratch.path(name)
        try spec.tomlText().write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// The single-machine reference: `salience scores` CSV columns and pca.csv's explained ratios.
    func reference() throws -> (columns: [String: [Double]], explained: [Double]) {
        let out = scratch.path("reference")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let result = try runProcess(
            TestEnvironment.salienceBinary,
            [
                "scores", dataRoot.appendingPathComponent("syn").path, "--methods", "ccs,mis,mis-hist,pca", "--out",
                out.appendingPathComponent("scores.csv").path,
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let columns = try csvColumns(out.appendingPathComponent("scores.csv"))
        let pca = try csvColumns(out.appendingPathComponent("pca.csv"))
        return (columns, pca["explained_ratio"] ?? [])
    }

    func csvColumns(_ url: URL) throws -> [String: [Double]] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        var columns = [String: [Double]]()
        for line in lines.dropFirst() {
            for (name, field) in zip(header, line.split(separator: ",")) {
                columns[name, default: []].append(Double(field) ?? .nan)
            }
        }
        return columns
    }

    func assertClose(
        _ actual: [Double]?, _ expected: [Double]?, _ what: String, file: StaticString = #filePath,
        line: UInt = #line
    ) {
        guard let actual, let expected, actual.count == expected.count, !expected.isEmpty else {
            XCTFail("\(what): missing or different lengths", file: file, line: line)
            return
        }
        for (index, (a, e)) in zip(actual, expected).enumerated() {
            let scale = max(abs(e), 1e-300)
            XCTAssertLessThanOrEqual(
                abs(a - e) / scale, 1e-9, "\(what)[\(index)]: \(a) vs \(e)", file: file, line: line)
        }
    }

    /// Checks a finished scan's scores and ratio selections against the reference.
    func assertSameAnswer(
        _ output: String, _ reference: (columns: [String: [Double]], explained: [Double]),
        line: UInt = #line
    ) throws {
        let results = try ScanResults.load(contentsOf: scratch.path(output).appendingPathComponent("results.json"))
        XCTAssertEqual(results.run.status, .succeeded, line: line)
        for (method, column) in [(ScanSpec.Method.ccs, "ccs"), (.mis, "mis"), (.misHist, "mis-hist")] {
            assertClose(results.scoreCurve(method)?.mean, reference.columns[column], "\(output) \(column)", line: line)
            let expected = try Selection.select(reference.columns[column] ?? [], rule: .topRatio(0.5))
            let selection = results.selections.first { $0.method == method && $0.rule == .ratio(0.5) }
            XCTAssertEqual(selection?.indices, expected, "\(output) \(column) selection", line: line)
            let mean = try Selection.select(reference.columns[column] ?? [], rule: .threshold(.mean))
            let chosen = results.selections.first { $0.method == method && $0.rule == .threshold(.mean) }
            XCTAssertEqual(chosen?.indices, mean, "\(output) \(column) mean threshold", line: line)
        }
        assertClose(results.scoreCurve(.pca)?.mean, reference.explained, "\(output) pca", line: line)
        // One model per selection (ratio for all four, mean threshold for the three scoring methods).
        XCTAssertEqual(results.models.count, 7, "\(output) models", line: line)
        // The report task's own results time every phase before it (the report is not done yet there).
        var previousStart = results.run.startedAt.addingTimeInterval(-2e-3)
        for phase in results.run.phases where phase.name != "report" {
            let started = try XCTUnwrap(phase.startedAt, "\(output) \(phase.name) start", line: line)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(phase.wallSeconds, line: line), 0, phase.name, line: line)
            XCTAssertGreaterThanOrEqual(try XCTUnwrap(phase.taskSeconds, line: line), 0, phase.name, line: line)
            XCTAssertGreaterThanOrEqual(started, previousStart, "\(output) \(phase.name) order", line: line)
            previousStart = started
        }
        for name in ["report.html", "report.md", "results.csv"] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: scratch.path(output).appendingPathComponent(name).path), name)
        }
    }

    func scan(_ specURL: URL, workers: Int) throws -> ProcessResult {
        try runProcess(
            TestEnvironment.salienceBinary,
            ["scan", specURL.path, "--data-root", dataRoot.path, "--workers", "\(workers)"])
    }

    func testScoresAndSelectionsEqualSingleMachineOnOneTwoAndThreeWorkers() throws {
        let expected = try reference()
        for workers in [1, 2, 3] {
            let output = "out-\(workers)"
            let result = try scan(try writeSpec(smallSpec(output: output), "spec-\(workers).toml"), workers: workers)
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
            XCTAssertTrue(result.stdout.contains("report.html"), result.stdout)
            try assertSameAnswer(output, expected)
        }
    }

    func testSameAnswerWithAWorkerKilledMidScan() throws {
        let expected = try reference()
        var spec = smallSpec(output: "out-killed")
        spec.cluster.utterancesPerTask = 10
        spec.cluster.dimensionBlock = 2
        // With bootstrap replicates, so a killed worker's units are shown to be counted once in them too.
        spec.confidence = ScanSpec.Confidence(replicates: 20, seed: 5)
        let process = Process()
        process.executableURL = TestEnvironment.salienceBinary
        process.arguments = [
            "scan", try writeSpec(spec, "spec-killed.toml").path, "--data-root", dataRoot.path, "--workers", "2",
        ]
        let errors = Pipe()
        let output = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        // Once the run is submitted, freeze one worker (SIGSTOP) so the statistics tasks it is sent stay
        // leased to it, then kill it (SIGKILL) a second later, mid-scan: the coordinator must presume it dead
        // and run its tasks elsewhere. (A scan this small finishes within a progress poll, so waiting for a
        // later phase to show would race.)
        let killed = KilledWorker()
        let reader = Thread {
            var text = ""
            let descriptor = errors.fileHandleForReading.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                text += String(decoding: buffer[0..<count], as: UTF8.self)
                if !killed.done, text.contains("scan: catalog 0/1"),
                    let child = childProcesses(of: process.processIdentifier).first
                {
                    kill(child, SIGSTOP)
                    Thread.sleep(forTimeInterval: 1)
                    kill(child, SIGKILL)
                    killed.mark(child, midScan: process.isRunning)
                }
            }
            killed.log = text
        }
        reader.start()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !killed.finished { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertTrue(
            killed.done,
            "no worker was killed (exit \(process.terminationStatus)): \(killed.log)"
                + String(decoding: stdout, as: UTF8.self))
        XCTAssertTrue(killed.midScan, "the scan had finished before the worker was killed")
        XCTAssertEqual(process.terminationStatus, 0, String(decoding: stdout, as: UTF8.self) + killed.log)
        try assertSameAnswer("out-killed", expected)
        // The replicates equal the single-machine pass's (`salience scores --replicates`).
        let reference = try bootstrapReference(methods: "ccs", replicates: 20, seed: 5, name: "killed-bootstrap.csv")
        let results = try ScanResults.load(
            contentsOf: scratch.path("out-killed").appendingPathComponent("results.json"))
        let ccs = try XCTUnwrap(results.confidence?.method(.ccs), "no CCS confidence after the killed worker")
        assertClose(ccs.standardError, reference["ccs.se"], "killed worker: se")
        assertClose(ccs.intervalHigh, reference["ccs.ci_high"], "killed worker: ci_high")
    }

    func testSubmittedToARunningCoordinatorAndReportRebuiltFromItsLedger() throws {
        let expected = try reference()
        let endpoint = "ipc://\(scratch.path("coordinator.ipc").path)"
        let coordinator = Process()
        coordinator.executableURL = TestEnvironment.salienceBinary
        coordinator.arguments = [
            "coordinator", "--bind", endpoint, "--state", scratch.path("state").path, "--log-level", "error",
        ]
        let worker = Process()
        worker.executableURL = TestEnvironment.salienceBinary
        worker.arguments = [
            "worker", "--connect", endpoint, "--data-root", dataRoot.path, "--output-root", scratch.url.path,
            "--log-level", "error",
        ]
        try coordinator.run()
        defer {
            worker.terminate()
            coordinator.terminate()
            worker.waitUntilExit()
            coordinator.waitUntilExit()
        }
        try worker.run()
        let spec = try writeSpec(smallSpec(output: "out-remote"), "remote.toml")
        let submit = try runProcess(
            TestEnvironment.salienceBinary, ["scan", spec.path, "--to", endpoint, "--detach"])
        XCTAssertEqual(submit.status, 0, submit.stderr)
        // The run id alone on stdout, as `salience submit` prints it.
        let run = submit.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertTrue(run.hasPrefix("run-") && !run.contains(" ") && !run.contains("\n"), submit.stdout)
        var status = ScanResults.RunStatus.pending
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let report = try runProcess(
                TestEnvironment.salienceBinary,
                ["report", run, "--to", endpoint, "--out", scratch.path("out-rebuilt").path])
            XCTAssertEqual(report.status, 0, report.stderr)
            status = try ScanResults.load(
                contentsOf: scratch.path("out-rebuilt").appendingPathComponent("results.json")
            ).run.status
            if !status.isInProgress { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTAssertEqual(status, .succeeded)
        try assertSameAnswer("out-remote", expected)
        // Rebuilt into a folder of its own: the worker's report task writes the spec's folder at the run's end,
        // which would race with (and overwrite) a rebuild written there.
        let rebuilt = try ScanResults.load(
            contentsOf: scratch.path("out-rebuilt").appendingPathComponent("results.json"))
        try assertPhaseTimings(rebuilt.run, equalTo: rawPhaseTimings(endpoint: endpoint, run: run))
        XCTAssertNotNil(rebuilt.run.phase("report")?.wallSeconds, "the rebuilt report times its own phase")
    }

    /// Per report phase, the first start, last finish and summed seconds of the raw task results in the
    /// ledger, read straight from each result body's JSON `timing` member (not through `Scan`).
    func rawPhaseTimings(endpoint: String, run: String) throws -> [String: (start: Date, end: Date, seconds: Double)] {
        let phaseOfKind = [
            "scan.catalog": "catalog", "scan.statistics": "statistics", "scan.ksg": "statistics", "scan.ig": "ig",
            "scan.train": "grid", "scan.report": "report",
        ]
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var out = [String: (start: Date, end: Date, seconds: Double)]()
        for record in try ClusterClient(endpoint: endpoint).allResults(run: run) where record.outcome.ok {
            let body = try XCTUnwrap(
                JSONSerialization.jsonObject(with: record.result?.body ?? Data()) as? [String: Any])
            let timing = try XCTUnwrap(body["timing"] as? [String: Any], "\(record.outcome.kind) has no timing")
            let start = try XCTUnwrap(formatter.date(from: timing["startedAt"] as? String ?? ""))
            let end = try XCTUnwrap(formatter.date(from: timing["finishedAt"] as? String ?? ""))
            XCTAssertGreaterThanOrEqual(end, start, record.outcome.kind)
            let phase = try XCTUnwrap(phaseOfKind[record.outcome.kind], record.outcome.kind)
            let seconds = end.timeIntervalSince(start)
            if let known = out[phase] {
                out[phase] = (min(known.start, start), max(known.end, end), known.seconds + seconds)
            } else {
                out[phase] = (start, end, seconds)
            }
        }
        return out
    }

    /// Every phase of a finished run has a start, a non-negative wall time equal to the raw results' span
    /// and summed task seconds equal to theirs; phases start in graph order, none before the submission (true
    /// of these specs, without IG: IG's tasks wait for the grid's baseline model).
    func assertPhaseTimings(
        _ run: ScanResults.Run, equalTo raw: [String: (start: Date, end: Date, seconds: Double)],
        line: UInt = #line
    ) throws {
        XCTAssertEqual(Set(run.phases.map(\.name)), Set(raw.keys), "phases with timings", line: line)
        // Both the bodies and results.json keep milliseconds.
        let tolerance = 2e-3
        var previousStart = run.startedAt.addingTimeInterval(-tolerance)
        for phase in run.phases {
            let expected = try XCTUnwrap(raw[phase.name], phase.name, line: line)
            let started = try XCTUnwrap(phase.startedAt, "\(phase.name) start", line: line)
            let wall = try XCTUnwrap(phase.wallSeconds, "\(phase.name) wall", line: line)
            let taskSeconds = try XCTUnwrap(phase.taskSeconds, "\(phase.name) task seconds", line: line)
            XCTAssertEqual(started.timeIntervalSince(expected.start), 0, accuracy: tolerance, phase.name, line: line)
            XCTAssertEqual(wall, expected.end.timeIntervalSince(expected.start), accuracy: tolerance, line: line)
            XCTAssertGreaterThanOrEqual(wall, 0, phase.name, line: line)
            XCTAssertGreaterThanOrEqual(taskSeconds, 0, phase.name, line: line)
            XCTAssertEqual(
                taskSeconds, expected.seconds, accuracy: tolerance * Double(phase.tasksDone), phase.name, line: line)
            XCTAssertGreaterThanOrEqual(started, previousStart, "\(phase.name) starts after the one before", line: line)
            previousStart = started
        }
    }

    func testADatasetFailingValidationFailsTheRunNamingTheFile() throws {
        let shard = DatasetCatalog.shardURLs(in: dataRoot.appendingPathComponent("syn"))[1]
        try Data("not an hdf5 file".utf8).write(to: shard)
        let result = try scan(try writeSpec(smallSpec(output: "out-bad"), "bad.toml"), workers: 1)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains(shard.lastPathComponent), result.stderr)
        XCTAssertTrue(result.stderr.contains("not an HDF5 file"), result.stderr)
        // Failed at the catalog: the error is the whole story, so no report of nothing and no empty folder.
        XCTAssertTrue(result.stdout.contains("no report"), result.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("out-bad").path))
    }

    func testASpecNamingATargetTheShardsLackFailsNamingTheField() throws {
        var spec = smallSpec(output: "out-target")
        spec.dataset.targets = .only(["arousal-typo"])
        let result = try scan(try writeSpec(spec, "target.toml"), workers: 1)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("dataset.targets[0]"), result.stderr)
        XCTAssertTrue(result.stderr.contains("arousal-typo"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.path("out-target").path))
    }

    func testABadSpecFailsAtSubmissionWithFieldAndReason() throws {
        let url = scratch.path("invalid.toml")
        try "[dataset]\ndirectory = \"syn\"\n[training]\nepochs = 0\n".write(to: url, atomically: true, encoding: .utf8)
        let result = try scan(url, workers: 1)
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("training.epochs"), result.stderr)
        XCTAssertFalse(result.stderr.contains("starting an embedded cluster"), result.stderr)
    }

    func testAWorkerThatCannotReadAShardFailsTheTaskNamingTheFileAndReason() throws {
        let task = StatisticsTask(
            dataset: "syn", shard: "missing-shard.h5", start: 0, end: 10, pooling: .utterance, targetColumns: [0],
            moments: true, covariance: false, range: false, histogramBins: nil, binaryTargets: false)
        let input = TaskInput(
            id: 1, run: "r", phase: 1, kind: ScanTaskKind.statistics, payload: try ScanCoding.payload(task))
        let context = TaskContext(dataRoot: DataRoot(dataRoot), logger: .init(label: "test"))
        XCTAssertThrowsError(try StatisticsExecutor().execute(input, context: context)) { error in
            XCTAssertTrue("\(error)".contains("missing-shard.h5"), "\(error)")
            XCTAssertTrue("\(error)".contains("no such file"), "\(error)")
        }
        // A shard path escaping the data root is refused before anything is opened.
        var escaping = task
        escaping.dataset = "../elsewhere"
        let bad = TaskInput(
            id: 2, run: "r", phase: 1, kind: ScanTaskKind.statistics, payload: try ScanCoding.payload(escaping))
        XCTAssertThrowsError(try StatisticsExecutor().execute(bad, context: context))
    }
}

/// Which worker the kill test killed, shared with its reader thread.
final class KilledWorker: @unchecked Sendable {
    private let lock = NSLock()
    private var pid: Int32?
    private var text: String?
    private var whileRunning = false
    var done: Bool { lock.withLock { pid != nil } }
    var midScan: Bool { lock.withLock { whileRunning } }
    var finished: Bool { lock.withLock { text != nil } }
    var log: String {
        get { lock.withLock { text ?? "" } }
        set { lock.withLock { text = newValue } }
    }
    func mark(_ child: Int32, midScan: Bool) {
        lock.withLock {
            pid = child
            whileRunning = midScan
        }
    }
}

/// The direct children of `pid` (from /proc).
func childProcesses(of pid: Int32) -> [Int32] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
    var children = [Int32]()
    for task in tasks {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? ""
        children += text.split(separator: " ").compactMap { Int32($0) }
    }
    return children
}
