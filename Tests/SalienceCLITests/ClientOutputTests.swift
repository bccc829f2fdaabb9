import Foundation
import TestSupport
import XCTest

/// What the client commands print for a script and for a person (issue 18, item 12): `submit` prints the
/// run id alone or, with `--json`, one object; `results` a summary instead of base64 (JSON lines with
/// `--json`); a mistake in what was asked for (an unknown run) ends without a `Usage:` line.
final class ClientOutputTests: XCTestCase {
    func testSubmitPrintsTheIdOrJSONAndResultsSummarises() throws {
        let scratch = try ScratchDirectory("client-output")
        defer { scratch.remove() }
        let endpoint = "ipc://\(scratch.path("coordinator.ipc").path)"
        let coordinator = Process()
        coordinator.executableURL = TestEnvironment.salienceBinary
        coordinator.arguments = ["coordinator", "--bind", endpoint, "--state", scratch.path("state").path]
        coordinator.standardError = FileHandle.nullDevice
        let worker = Process()
        worker.executableURL = TestEnvironment.salienceBinary
        worker.arguments = ["worker", "--connect", endpoint, "--data-root", scratch.url.path]
        worker.standardError = FileHandle.nullDevice
        try coordinator.run()
        try worker.run()
        defer {
            for process in [worker, coordinator] where process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
        let runFile = scratch.path("run.json")
        try Data(
            #"{"name": "spin", "tasks": [{"kind": "cluster.spin", "u64": [0, 1000]}, {"kind": "cluster.spin", "u64": [1, 1000]}]}"#
                .utf8
        ).write(to: runFile)

        let bare = try runProcess(TestEnvironment.salienceBinary, ["submit", runFile.path, "--to", endpoint, "--wait"])
        XCTAssertEqual(bare.status, 0, bare.stderr)
        let firstLine = try XCTUnwrap(bare.stdout.split(separator: "\n").first).description
        XCTAssertTrue(firstLine.hasPrefix("run-") && !firstLine.contains(" "), bare.stdout)

        let json = try runProcess(
            TestEnvironment.salienceBinary, ["submit", runFile.path, "--to", endpoint, "--json", "--wait"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let lines = json.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, json.stdout)
        let submitted = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: String], json.stdout)
        XCTAssertEqual(submitted["endpoint"], endpoint)
        let run = try XCTUnwrap(submitted["run"])
        XCTAssertTrue(run.hasPrefix("run-"))
        XCTAssertFalse(lines[0].contains("\\/"), "slashes unescaped: \(lines[0])")
        let status = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        XCTAssertEqual(status["state"] as? String, "completed")
        XCTAssertEqual(status["id"] as? String, run)

        let summary = try runProcess(TestEnvironment.salienceBinary, ["results", run, "--to", endpoint])
        XCTAssertEqual(summary.status, 0, summary.stderr)
        XCTAssertTrue(summary.stdout.contains("run \(run): 2 finished task(s)"), summary.stdout)
        XCTAssertTrue(summary.stdout.contains("cluster.spin  2 done, 0 failed, 16 bytes"), summary.stdout)
        XCTAssertTrue(summary.stdout.contains("--json"), summary.stdout)
        XCTAssertFalse(summary.stdout.contains("base64\":"), summary.stdout)
        let full = try runProcess(TestEnvironment.salienceBinary, ["results", run, "--to", endpoint, "--json"])
        XCTAssertEqual(full.status, 0, full.stderr)
        let records = full.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertEqual(records.count, 2, full.stdout)
        XCTAssertTrue(
            records.allSatisfy { ($0["body_base64"] as? String).flatMap { Data(base64Encoded: $0) }?.count == 8 })

        // A typo'd run: the coordinator's answer, and no usage text (the options were right).
        let typo = try runProcess(TestEnvironment.salienceBinary, ["status", "run-typo", "--to", endpoint])
        XCTAssertEqual(typo.status, 1)
        XCTAssertTrue(typo.stderr.contains("run-typo"), typo.stderr)
        XCTAssertFalse(typo.stderr.contains("Usage:"), typo.stderr)
    }
}
