import Foundation
import Reports
import ScanModel
import Shards
import TestSupport
import XCTest

/// results.json and the report say what each phase and each worker read from the data root (issue 17): the
/// figure that shows whether shared storage is read once per worker or once per task.
extension ScanClusterTests {
    func testResultsSayWhatEachPhaseAndWorkerReadFromTheDataRoot() throws {
        let url = try writeSpec(smallSpec(output: "out-reads", methods: [.ccs, .pca]), "reads.toml")
        let run = try scan(url, workers: 2)
        XCTAssertEqual(run.status, 0, run.stderr)
        let results = try ScanResults.load(contentsOf: scratch.path("out-reads/results.json"))

        // Frames of the dataset, read through HDF5 here (what a pass must at least read: every train frame).
        var trainFrames = 0
        var allFrames = 0
        var width = 0
        let catalog = try DatasetCatalog(directory: dataRoot.appendingPathComponent("syn"))
        let clean = catalog.shards(condition: ShardFormat.cleanCondition)
        XCTAssertEqual(clean.count, 3)
        for shard in clean {
            let reader = try ShardReader(url: catalog.url(of: shard))
            allFrames += reader.frameCount
            width = reader.dimension
            trainFrames += reader.utterances(in: .train).map { reader.frameRange(ofUtterance: $0).count }.reduce(0, +)
        }
        let bytesPerFrame = width * MemoryLayout<Float>.stride

        let statistics = try XCTUnwrap(results.run.phase("statistics"))
        let statisticsBytes = try XCTUnwrap(statistics.bytesFromDataRoot)
        XCTAssertGreaterThanOrEqual(statisticsBytes, trainFrames * bytesPerFrame, "every train frame is read")
        // Whole chunk rows around each task's utterance range: never more than twice the dataset in one pass.
        XCTAssertLessThanOrEqual(statisticsBytes, 2 * allFrames * bytesPerFrame)

        let grid = try XCTUnwrap(results.run.phase("grid"))
        let modelBytes = results.models.compactMap(\.bytesFromDataRoot)
        XCTAssertEqual(modelBytes.count, results.models.count, "every model says what it read")
        XCTAssertEqual(grid.bytesFromDataRoot, modelBytes.reduce(0, +), "the phase is the sum of its models")
        XCTAssertEqual(grid.bytesFromCache, 0, "these workers have no --cache-dir")

        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? ""
        for phase in [statistics, grid] {
            let shares = try XCTUnwrap(phase.workers, phase.name)
            XCTAssertEqual(shares.map(\.tasks).reduce(0, +), phase.tasksDone, phase.name)
            XCTAssertEqual(shares.map(\.bytesFromDataRoot).reduce(0, +), phase.bytesFromDataRoot, phase.name)
            XCTAssertLessThanOrEqual(shares.count, 2, phase.name)
            for share in shares { XCTAssertTrue(share.worker.hasPrefix(host), "\(share.worker) on \(host)") }
        }
        let html = try String(contentsOf: scratch.path("out-reads/report.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("from data root"), "the phases table shows the bytes")

        // The real file, with its new keys, against the published schema (jsonschema in the reference venv).
        let schema = TestEnvironment.packageRoot.appendingPathComponent("docs/salience-scan-results.v1.schema.json")
        let validator = """
            import json, sys, jsonschema
            validator = jsonschema.Draft202012Validator(json.load(open(sys.argv[1])))
            errors = list(validator.iter_errors(json.load(open(sys.argv[2]))))
            print("ok" if not errors else "%s at %s" % (errors[0].message, list(errors[0].absolute_path)))
            """
        if let check = try runReferencePython(
            validator, arguments: [schema.path, scratch.path("out-reads/results.json").path])
        {
            XCTAssertEqual(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "ok", check.stderr)
        }
    }
}

/// What `salience scan` prints while it follows a run (issue 18, item 10): the parts by the report's names
/// with totals known from the catalog (future phases included), the share done and a whole-run ETA.
extension ScanClusterTests {
    func testProgressNamesThePartsWithWholeRunTotalsAndEndsAtEveryTaskDone() throws {
        let url = try writeSpec(smallSpec(output: "out-progress", methods: [.ccs, .pca]), "progress.toml")
        let run = try scan(url, workers: 2)
        XCTAssertEqual(run.status, 0, run.stderr)
        let results = try ScanResults.load(contentsOf: scratch.path("out-progress/results.json"))
        let lines = run.stderr.split(separator: "\n").map(String.init).filter { $0.contains(" % | ") }
        XCTAssertFalse(lines.isEmpty, run.stderr)
        let statistics = try XCTUnwrap(results.run.phase("statistics")).tasksTotal
        let trained = results.models.filter { !$0.isShared }.count
        let last = try XCTUnwrap(lines.last)
        XCTAssertTrue(last.contains("statistics \(statistics)/\(statistics)"), last)
        XCTAssertTrue(last.contains("grid \(trained)/\(trained)"), last)
        XCTAssertTrue(last.contains("| 100 % | completed |"), last)
        // The grid's total is the whole grid's on every line (from the catalog), although its tasks are
        // created over several phases (full width first, then each method's once its scores are in).
        for line in lines where line.contains("grid ") {
            XCTAssertTrue(line.contains("/\(trained)"), "\(line)\n\(lines.joined(separator: "\n"))")
        }
        XCTAssertFalse(run.stderr.contains("phase 2:"), "no phase numbers: \(run.stderr)")
    }
}

/// Paths of a local scan mean what they mean to `scores` and `train` (issue 18, item 11).
extension ScanClusterTests {
    func testALocalScanTakesAnAbsoluteDatasetOutputNextToTheSpecAndRefusesToOverwrite() throws {
        var spec = smallSpec(output: "unused", methods: [.ccs])
        spec.dataset.directory = dataRoot.appendingPathComponent("syn").path  // absolute
        spec.output.directory = "relative-out"
        let folder = scratch.path("specs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("abs.toml")
        try spec.tomlText().write(to: url, atomically: true, encoding: .utf8)
        // Started from the test's own directory, without --data-root.
        let first = try runProcess(TestEnvironment.salienceBinary, ["scan", url.path, "--workers", "1", "--quiet"])
        XCTAssertEqual(first.status, 0, first.stderr)
        let output = folder.appendingPathComponent("relative-out")
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: output.appendingPathComponent("results.json").path),
            "the output is next to the spec: \(first.stdout)")
        let again = try runProcess(TestEnvironment.salienceBinary, ["scan", url.path, "--workers", "1", "--quiet"])
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("already holds a scan's results"), again.stderr)
        XCTAssertTrue(again.stderr.contains("--overwrite"), again.stderr)
        let replaced = try runProcess(
            TestEnvironment.salienceBinary, ["scan", url.path, "--workers", "1", "--quiet", "--overwrite"])
        XCTAssertEqual(replaced.status, 0, replaced.stderr)
    }
}

/// The statistics phase reads the data once: pass A's tasks send their pooled train rows on, and the KSG tasks
/// estimate MI from them instead of each reading every frame again for its block of dimensions.
extension ScanClusterTests {
    func testKSGEstimatesFromPassARowsSoTheStatisticsPhaseReadsTheDataOnce() throws {
        let reference = try reference()
        var bytes: [String: Int] = [:]
        for (name, methods) in [
            ("ccs", [ScanSpec.Method.ccs]), ("ccs-mis", [.ccs, .mis]), ("mis", [.mis]),
        ] {
            let url = try writeSpec(smallSpec(output: "out-\(name)", methods: methods), "\(name).toml")
            let run = try scan(url, workers: 2)
            XCTAssertEqual(run.status, 0, run.stderr)
            let results = try ScanResults.load(contentsOf: scratch.path("out-\(name)/results.json"))
            bytes[name] = try XCTUnwrap(results.run.phase("statistics")?.bytesFromDataRoot, name)
            if methods.contains(.mis) {
                assertClose(results.scoreCurve(.mis)?.mean, reference.columns["mis"], "\(name) mis")
            }
        }
        let ccs = try XCTUnwrap(bytes["ccs"])
        XCTAssertGreaterThan(ccs, 0)
        XCTAssertEqual(bytes["ccs-mis"], ccs, "with pass A, KSG reads no frames")
        // Alone, KSG reads the frames itself: every block's columns of every train frame.
        XCTAssertGreaterThan(try XCTUnwrap(bytes["mis"]), 0)
    }
}
