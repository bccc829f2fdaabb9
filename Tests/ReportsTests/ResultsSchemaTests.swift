import Foundation
import TestFixtures
import TestSupport
import XCTest

@testable import ScanModel

/// `docs/salience-scan-results.v1.schema.json` against the files this code writes (validated by Python's
/// `jsonschema`, an implementation independent of the Swift encoder), against broken files it must refuse,
/// and the README's pandas recipe run as written. Needs the reference venv (`ops/python-env`).
final class ResultsSchemaTests: XCTestCase {
    private static let schema = TestEnvironment.packageRoot.appendingPathComponent(
        "docs/salience-scan-results.v1.schema.json")

    /// Validates each file; returns one line per file, `ok` or the first error.
    private static let validator = """
        import json, sys
        import jsonschema
        schema = json.load(open(sys.argv[1]))
        jsonschema.Draft202012Validator.check_schema(schema)
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        for path in sys.argv[2:]:
            errors = sorted(validator.iter_errors(json.load(open(path))), key=lambda e: list(e.absolute_path))
            print("ok" if not errors else "invalid: %s at %s" % (errors[0].message, list(errors[0].absolute_path)))
        """

    private func validate(_ files: [URL]) throws -> [String] {
        guard let result = try runReferencePython(Self.validator, arguments: [Self.schema.path] + files.map(\.path))
        else {
            throw XCTSkip("no reference Python venv (ops/python-env)")
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        return result.stdout.split(separator: "\n").map(String.init)
    }

    /// The fixture's JSON as an object to mutate.
    private func object(_ results: ScanResults) throws -> [String: Any] {
        try XCTUnwrap(JSONSerialization.jsonObject(with: try results.jsonData()) as? [String: Any])
    }

    private func write(_ object: Any, _ url: URL) throws {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]).write(to: url)
    }

    func testWrittenResultsValidateAndBrokenOnesDoNot() throws {
        let scratch = try ScratchDirectory("schema")
        defer { scratch.remove() }
        var files: [URL] = []
        for (name, results) in [
            ("finished", ScanResultsFixture.finished), ("running", ScanResultsFixture.running),
            ("confident", ScanResultsFixture.confident),
        ] {
            let url = scratch.path("\(name).json")
            try results.jsonData().write(to: url)
            files.append(url)
        }
        // A file from before per-target scores, the convergence flag and learning curves: still valid, and
        // still read by this code, which computes the flag from best_epoch and epochs_trained.
        var old = try object(ScanResultsFixture.finished)
        old["models"] = (old["models"] as! [[String: Any]]).map { model in
            model.filter { $0.key != "best_epoch_is_last" && $0.key != "learning_curve" }
        }
        old["score_curves"] = (old["score_curves"] as! [[String: Any]]).map { $0.filter { $0.key != "per_target" } }
        try write(old, scratch.path("old.json"))
        files.append(scratch.path("old.json"))
        let decoded = try ScanResults.load(contentsOf: scratch.path("old.json"))
        XCTAssertNil(decoded.models[0].learningCurve)
        XCTAssertNil(decoded.models[0].bestEpochIsLast)
        XCTAssertEqual(
            decoded.models.map(\.reachedBestAtLastEpoch),
            ScanResultsFixture.finished.models.map(\.reachedBestAtLastEpoch))

        // Broken: each must fail, for the reason planted.
        var broken: [(String, [String: Any])] = []
        var newer = try object(ScanResultsFixture.finished)
        newer["format_version"] = 2
        broken.append(("format_version", newer))
        var noMetrics = try object(ScanResultsFixture.finished)
        var models = noMetrics["models"] as! [[String: Any]]
        models[3]["metrics"] = nil
        noMetrics["models"] = models
        broken.append(("metrics", noMetrics))
        var badRule = try object(ScanResultsFixture.finished)
        var selections = badRule["selections"] as! [[String: Any]]
        selections[0]["rule"] = "ratio:half"
        badRule["selections"] = selections
        broken.append(("rule", badRule))
        var badStability = try object(ScanResultsFixture.confident)
        var confidence = badStability["confidence"] as! [String: Any]
        var methods = confidence["methods"] as! [[String: Any]]
        var rules = methods[0]["rules"] as! [[String: Any]]
        rules[0]["stability"] = "stable"
        methods[0]["rules"] = rules
        confidence["methods"] = methods
        badStability["confidence"] = confidence
        broken.append(("stability", badStability))
        var badCurve = try object(ScanResultsFixture.finished)
        models = badCurve["models"] as! [[String: Any]]
        var curve = models[0]["learning_curve"] as! [[String: Any]]
        curve[0]["dev_metric"] = "high"
        models[0]["learning_curve"] = curve
        badCurve["models"] = models
        broken.append(("learning_curve", badCurve))
        for (name, object) in broken {
            try write(object, scratch.path("broken-\(name).json"))
            files.append(scratch.path("broken-\(name).json"))
        }

        let verdicts = try validate(files)
        XCTAssertEqual(verdicts.count, files.count, verdicts.joined(separator: "\n"))
        XCTAssertEqual(Array(verdicts.prefix(4)), ["ok", "ok", "ok", "ok"], verdicts.joined(separator: "\n"))
        for (verdict, (name, _)) in zip(verdicts.dropFirst(4), broken) {
            XCTAssertTrue(verdict.hasPrefix("invalid") && verdict.contains(name), "\(name): \(verdict)")
        }
    }

    /// The README's recipe, extracted and run on the fixture: its table has one row per grid cell, and each
    /// mean and std equal the seeds' test CCC computed here.
    func testTheReadmePandasRecipeGivesTheKeptFractionTable() throws {
        let readme = try String(
            contentsOf: TestEnvironment.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let start = try XCTUnwrap(readme.range(of: "<!-- pandas-recipe:start -->\n```python\n"))
        let end = try XCTUnwrap(readme.range(of: "```\n<!-- pandas-recipe:end -->"))
        let recipe = String(readme[start.upperBound..<end.lowerBound])
        let scratch = try ScratchDirectory("pandas")
        defer { scratch.remove() }
        let results = ScanResultsFixture.finished
        try results.jsonData().write(to: scratch.path("results.json"))
        let script =
            recipe.replacingOccurrences(of: "\"runs/scan/results.json\"", with: "sys.argv[1]")
                + """

                print(len(metrics))
                for (method, rule, mode), row in table.iterrows():
                    print(method, rule, mode, repr(float(row["mean"])), repr(float(row["std"])), int(row["count"]))
                """
        guard
            let result = try runReferencePython("import sys\n" + script, arguments: [scratch.path("results.json").path])
        else { throw XCTSkip("no reference Python venv (ops/python-env)") }
        XCTAssertEqual(result.status, 0, result.stderr)
        var lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(Int(lines.removeFirst()), results.models.map(\.metrics.count).reduce(0, +))
        let cells = Set(results.models.map(\.cell))
        XCTAssertEqual(lines.count, cells.count)
        let key = ScanResults.MetricKey(split: .test, metric: .ccc)
        for line in lines {
            let fields = line.split(separator: " ").map(String.init)
            let models = results.models.filter {
                $0.method.rawValue == fields[0] && $0.rule.description == fields[1]
                    && $0.labelVariance.rawValue == fields[2]
            }
            let values = models.compactMap { $0[key] }
            let mean = values.reduce(0, +) / Double(values.count)
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
            XCTAssertEqual(Double(fields[3]) ?? .nan, mean, accuracy: 1e-12, line)
            XCTAssertEqual(Double(fields[4]) ?? .nan, std, accuracy: 1e-12, line)
            XCTAssertEqual(Int(fields[5]), values.count, line)
        }
    }
}

extension ResultsSchemaTests {
    /// Results of a scan with `[fusion]` (the spec's section and the optional `fusions` list) validate, read back
    /// equal, and a fused system with an unknown method is refused at `fusions`.
    func testResultsWithFusionsValidateAndReadBack() throws {
        let scratch = try ScratchDirectory("schema-fusion")
        defer { scratch.remove() }
        var results = ScanResultsFixture.finished
        let members: [ScanSpec.Fusion.Member] = [
            .init(method: .full, rule: .full), .init(method: .ccs, rule: .ratio(0.5)),
        ]
        results.run.spec.fusion = ScanSpec.Fusion(members: members, methods: [.mean, .learned])
        let model = results.models[0]
        results.fusions = [
            FusedSystemResult(
                taskId: "7", method: .learned, members: members, seed: model.seed, labelVariance: model.labelVariance,
                weights: [
                    .init(target: "valence", weights: [0.6, 0.3], bias: -0.01, memberDevMetric: [0.8, -.infinity])
                ],
                metrics: model.metrics, seconds: 0.5)
        ]
        let url = scratch.path("fusion.json")
        try results.jsonData().write(to: url)
        XCTAssertEqual(try ScanResults.load(contentsOf: url), results)
        var broken = try object(results)
        var fusions = broken["fusions"] as! [[String: Any]]
        fusions[0]["method"] = "median"
        broken["fusions"] = fusions
        try write(broken, scratch.path("broken-fusion.json"))
        let verdicts = try validate([url, scratch.path("broken-fusion.json")])
        XCTAssertEqual(verdicts.first, "ok", verdicts.joined(separator: "\n"))
        XCTAssertTrue(verdicts.last?.hasPrefix("invalid") == true && verdicts.last!.contains("fusions"), "\(verdicts)")
    }
}
