// ops/bench/run, the benchmark runner: its help and argument checks, every ops/bench script being valid
// shell or Python, and the report's handling of benchmarks that failed, printed nothing it knows, or were
// skipped. The benchmarks themselves are not run here (they take minutes); their numbers are not tested.
import Foundation
import TestSupport
import XCTest

final class BenchRunnerTests: XCTestCase {
    static let benchDirectory = TestEnvironment.packageRoot.appendingPathComponent("ops/bench")
    static let benchmarks = ["shard-read", "saliency", "train", "ig", "cluster", "scan"]

    static func tool(_ name: String) throws -> URL {
        for directory in ["/usr/bin", "/bin", "/usr/local/bin"] {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw XCTSkip("\(name) is not installed in /usr/bin, /bin or /usr/local/bin")
    }

    static var runner: URL { benchDirectory.appendingPathComponent("run") }

    func testHelpNamesEveryBenchmarkAndOption() throws {
        let result = try runProcess(Self.runner, ["--help"])
        XCTAssertEqual(result.status, 0, result.stderr)
        for word in Self.benchmarks + ["--quick", "--only", "--json", "Example:"] {
            XCTAssertTrue(result.stdout.contains(word), "--help does not mention \(word):\n\(result.stdout)")
        }
    }

    func testBadArgumentsAreRefusedBeforeAnyWork() throws {
        let unknown = try runProcess(Self.runner, ["--fast"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("unknown argument '--fast'"), unknown.stderr)
        let badName = try runProcess(Self.runner, ["--only", "saliency,nope"])
        XCTAssertEqual(badName.status, 2)
        XCTAssertTrue(badName.stderr.contains("unknown benchmark 'nope'"), badName.stderr)
        XCTAssertFalse(badName.stderr.contains("building"), "it started work before checking its arguments")
    }

    func testEveryBenchScriptIsValidShellOrPython() throws {
        let bash = try Self.tool("bash")
        let python = try Self.tool("python3")
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.benchDirectory.path).sorted()
        for name in Self.benchmarks + ["run"] { XCTAssertTrue(names.contains(name), "ops/bench/\(name) is missing") }
        for name in names where !name.hasSuffix(".md") && !name.hasPrefix(".") && name != "__pycache__" {
            let path = Self.benchDirectory.appendingPathComponent(name).path
            if name.hasSuffix(".c") {
                // A C helper a bench script compiles: it must compile against the libraries ops/setup installs.
                let check =
                    "\"$(command -v cc || command -v clang)\" -fsyntax-only \"$1\" $(pkg-config --cflags hdf5 libdeflate)"
                let result = try runProcess(bash, ["-c", check, "check", path])
                XCTAssertEqual(result.status, 0, "\(name) does not compile: \(result.stderr)")
            } else if name.hasSuffix(".py") {
                let parse = "import ast, sys; ast.parse(open(sys.argv[1]).read())"
                let result = try runProcess(python, ["-c", parse, path])
                XCTAssertEqual(result.status, 0, "\(name) is not valid Python: \(result.stderr)")
            } else {
                let result = try runProcess(bash, ["-n", path])
                XCTAssertEqual(result.status, 0, "bash -n \(name): \(result.stderr)")
                XCTAssertTrue(FileManager.default.isExecutableFile(atPath: path), "ops/bench/\(name) is not executable")
            }
        }
    }

    /// A benchmark that exits non-zero is `failed`, one whose log has none of its result lines is `unparsed`,
    /// a skipped one keeps its reason; each names its log, and the JSON records the same statuses.
    func testReportMarksFailedUnparsedAndSkippedBenchmarks() throws {
        let python = try Self.tool("python3")
        let scratch = try ScratchDirectory()
        let logs = scratch.url.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        try "Traceback: something broke\n".write(
            to: logs.appendingPathComponent("ig.log"), atomically: true, encoding: .utf8)
        try "a line no parser knows\n".write(
            to: logs.appendingPathComponent("saliency.log"), atomically: true, encoding: .utf8)
        let facts = scratch.url.appendingPathComponent("facts.json")
        try #"{"cpu_model": "test", "cores": 2}"#.write(to: facts, atomically: true, encoding: .utf8)
        let json = scratch.url.appendingPathComponent("out/results.json")
        let result = try runProcess(
            python,
            [
                Self.benchDirectory.appendingPathComponent("run_report.py").path, "--logs", logs.path, "--json",
                json.path, "--facts", facts.path, "ig=3", "saliency=0", "shard-read=skipped (quick)",
            ])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("failed (exit 3), see \(logs.path)/ig.log"), result.stdout)
        XCTAssertTrue(result.stdout.contains("unparsed (exit 0), see \(logs.path)/saliency.log"), result.stdout)
        XCTAssertTrue(result.stdout.contains("skipped (quick)"), result.stdout)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
        let entries = report?["benchmarks"] as? [[String: Any]] ?? []
        let statuses = Dictionary(
            uniqueKeysWithValues: entries.map { ($0["name"] as? String ?? "", $0["status"] as? String ?? "") })
        XCTAssertEqual(statuses, ["ig": "failed", "saliency": "unparsed", "shard-read": "skipped (quick)"])
        XCTAssertEqual(report?["cpu_model"] as? String, "test")
    }
}
