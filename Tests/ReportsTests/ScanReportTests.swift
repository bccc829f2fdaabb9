import Foundation
import TestFixtures
import TestSupport
import XCTest

@testable import Reports
@testable import ScanModel

#if canImport(FoundationXML)
    import FoundationXML
#endif

final class ScanReportTests: XCTestCase {
    private static let finishedHTML = ScanReport(results: ScanResultsFixture.finished).html()
    private static let runningHTML = ScanReport(results: ScanResultsFixture.running).html()

    private let sectionIDs = [
        "summary", "overview", "progress", "scores", "kept-fraction", "parameters", "learning-curves", "robustness",
        "label-variance", "selections", "models",
    ]

    private func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

    private func sampleStd(_ values: [Double]) -> Double {
        let m = mean(values)
        return (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
    }

    func testWritesTheFourFilesAndTheJSONReadsBack() throws {
        let scratch = try ScratchDirectory("reports")
        defer { scratch.remove() }
        // SALIENCE_REPORT_KEEP=DIR keeps the rendered fixtures for a look in a browser.
        let keep = ProcessInfo.processInfo.environment["SALIENCE_REPORT_KEEP"].map { URL(fileURLWithPath: $0) }
        let out = (keep ?? scratch.url).appendingPathComponent("finished")
        let written = try ScanReport(results: ScanResultsFixture.finished).write(to: out)
        XCTAssertEqual(Array(written.map(\.lastPathComponent).prefix(4)), ScanReport.fileNames)
        // Then one SVG and one CSV per figure of the page, in figures/.
        let figures = try PageReader.read(Self.finishedHTML).counts["figure"] ?? 0
        XCTAssertEqual(written.count, 4 + 2 * figures)
        for url in written.dropFirst(4) {
            XCTAssertEqual(url.deletingLastPathComponent().lastPathComponent, ScanReport.figuresFolder)
            XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), url.path)
        }
        XCTAssertEqual(
            try ScanResults.load(contentsOf: out.appendingPathComponent("results.json")), ScanResultsFixture.finished)
        if let keep {
            try ScanReport(results: ScanResultsFixture.running).write(to: keep.appendingPathComponent("running"))
        }
    }

    func testHTMLIsWellFormedWithEverySectionAndPlot() throws {
        let page = try PageReader.read(Self.finishedHTML)
        for id in sectionIDs { XCTAssertTrue(page.ids.contains(id), "section \(id)") }
        // 5 score curves + 1 normalised overlay; per mode (2): kept fraction, parameters, robustness; 1 label
        // variance chart; learning curves of 7 methods, each one figure of 2 panels (nested <svg>s).
        XCTAssertEqual(page.counts["figure"], 5 + 1 + 2 * 3 + 1 + 7)
        XCTAssertEqual(page.counts["svg"], 5 + 1 + 2 * 3 + 1 + 7 * 3)
        XCTAssertEqual(page.counts["script"], nil)
        // Bands: one per score curve with a spread (ccs, mis, mis-hist, ig).
        XCTAssertEqual(Self.finishedHTML.components(separatedBy: "class=\"band\"").count - 1, 4)
        // Robustness bars, per mode: 6 methods x 3 ratios below 1, 4 scoring methods x 2 thresholds, and the
        // full-width decoder once (the 6 ratio-1.0 cells are it too), x 2 conditions x 2 modes; label
        // variance: the same 27 cells x 2 modes.
        let cells = 6 * 3 + 4 * 2 + 1
        XCTAssertEqual(Self.finishedHTML.components(separatedBy: "class=\"bar\"").count - 1, cells * 2 * 2 + cells * 2)
    }

    func testHTMLNeedsNoNetworkAndNoScripts() {
        for html in [Self.finishedHTML, Self.runningHTML] {
            let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
            XCTAssertFalse(withoutNamespace.contains("http://"))
            XCTAssertFalse(withoutNamespace.contains("https://"))
            for forbidden in ["<script", "<link", "@import", " src=", "<iframe", "@font-face"] {
                XCTAssertFalse(html.contains(forbidden), forbidden)
            }
            // url(…) only as a reference inside the page (a clip path), never to a resource.
            XCTAssertEqual(
                html.components(separatedBy: "url(").count, html.components(separatedBy: "url(#").count)
        }
    }

    func testStringsFromDataAreEscaped() throws {
        XCTAssertTrue(Self.finishedHTML.contains("fixture &lt;scan&gt; &amp; &quot;friends&quot;"))
        XCTAssertFalse(Self.finishedHTML.contains("<scan>"))
        XCTAssertTrue(Self.runningHTML.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        XCTAssertFalse(Self.runningHTML.contains("<script>"))
        // And the parser gets the original text back.
        let page = try PageReader.read(Self.runningHTML)
        let error = page.records("failed-table").first?["error"]
        XCTAssertEqual(error, ScanResultsFixture.running.run.failedTasks.first?.error)
    }

    func testKeptFractionTableEqualsTheSeedStatisticsOfTheModels() throws {
        let results = ScanResultsFixture.finished
        let page = try PageReader.read(Self.finishedHTML)
        let records = page.records("kept-fraction-table")
        XCTAssertEqual(records.count, Set(results.models.map(\.cell)).count)
        let test = ScanResults.MetricKey(split: .test, metric: .ccc)
        let dev = ScanResults.MetricKey(split: .dev, metric: .ccc)
        for record in records {
            let models = results.models.filter {
                $0.method.rawValue == record["method"] && $0.rule.label == record["rule"]
                    && $0.labelVariance.rawValue == record["label variance"]
            }
            XCTAssertEqual(models.count, 3, "\(record)")
            let tests = models.compactMap { $0[test] }
            XCTAssertEqual(Double(record["test ccc"] ?? "") ?? .nan, mean(tests), accuracy: 5.1e-5)
            XCTAssertEqual(Double(record["± std"] ?? "") ?? .nan, sampleStd(tests), accuracy: 5.1e-5)
            XCTAssertEqual(
                Double(record["dev ccc"] ?? "") ?? .nan, mean(models.compactMap { $0[dev] }), accuracy: 5.1e-5)
            let valence = models.compactMap { $0[.init(split: .test, target: "valence", metric: .ccc)] }
            XCTAssertEqual(Double(record["test valence"] ?? "") ?? .nan, mean(valence), accuracy: 5.1e-5)
            let best = models.max { ($0[dev] ?? -.infinity) < ($1[dev] ?? -.infinity) }
            XCTAssertEqual(record["best seed (dev)"], best.map { String($0.seed) })
            XCTAssertEqual(Int(record["k"] ?? ""), models.first?.k)
        }
    }

    func testHeadlineTableShowsEachMethodAtEachRatioNextToFullWidth() throws {
        let results = ScanResultsFixture.finished
        let page = try PageReader.read(Self.finishedHTML)
        let test = ScanResults.MetricKey(split: .test, metric: .ccc)
        for mode in ["std-aux", "off"] {
            let records = page.records("headline-\(mode)")
            XCTAssertEqual(records.map { $0["method"] ?? "" }, ["ccs", "mis", "mis-hist", "pca", "ig", "random"])
            let full = results.models.filter { $0.method == .full && $0.labelVariance.rawValue == mode }
                .compactMap { $0[test] }
            for record in records {
                let cell = record["25%"]?.components(separatedBy: " ± ") ?? []
                let values = results.models.filter {
                    $0.method.rawValue == record["method"] && $0.rule == .ratio(0.25)
                        && $0.labelVariance.rawValue == mode
                }.compactMap { $0[test] }
                XCTAssertEqual(Double(cell.first ?? "") ?? .nan, mean(values), accuracy: 5.1e-5)
                XCTAssertEqual(Double(cell.last ?? "") ?? .nan, sampleStd(values), accuracy: 5.1e-5)
                let fullCell = record["full (all 96)"]?.components(separatedBy: " ± ") ?? []
                XCTAssertEqual(Double(fullCell.first ?? "") ?? .nan, mean(full), accuracy: 5.1e-5)
            }
            // Threshold rules only exist for scoring methods.
            XCTAssertEqual(records.first { $0["method"] == "pca" }?["≥ mean"], "—")
        }
    }

    /// The summary names, per kept fraction and mode, the method with the best mean dev CCC over seeds (among
    /// the scoring methods and PCA), its test mean ± std, and its differences to full width and random —
    /// each recomputed here from the fixture's models.
    func testSummaryLeadsWithTheBestMethodOnDevPerKeptFraction() throws {
        let results = ScanResultsFixture.finished
        let page = try PageReader.read(Self.finishedHTML)
        XCTAssertEqual(page.ids.first { sectionIDs.contains($0) }, "summary", "the summary comes first")
        let dev = ScanResults.MetricKey(split: .dev, metric: .ccc)
        let test = ScanResults.MetricKey(split: .test, metric: .ccc)
        let records = page.records("summary-table")
        let ratios = Set(results.models.compactMap(\.rule.ratio))
        XCTAssertEqual(records.count, ratios.count * 2)
        for record in records {
            let mode = try XCTUnwrap(record["label variance"])
            let ratio = try XCTUnwrap(Double(record["kept"] ?? ""))
            let models = results.models.filter { $0.labelVariance.rawValue == mode }
            func values(_ method: ScanSpec.Method, _ key: ScanResults.MetricKey) -> [Double] {
                models.filter { $0.method == method && $0.rule == .ratio(ratio) }.compactMap { $0[key] }
            }
            let candidates: [ScanSpec.Method] = [.ccs, .mis, .misHist, .pca, .ig]
            let best = try XCTUnwrap(
                candidates.filter { !values($0, dev).isEmpty }.max { mean(values($0, dev)) < mean(values($1, dev)) })
            XCTAssertEqual(record["best (dev)"], best.rawValue, "\(mode) \(ratio)")
            let cell = record["test ccc"]?.components(separatedBy: " ± ") ?? []
            XCTAssertEqual(Double(cell.first ?? "") ?? .nan, mean(values(best, test)), accuracy: 5.1e-5)
            XCTAssertEqual(Double(cell.last ?? "") ?? .nan, sampleStd(values(best, test)), accuracy: 5.1e-5)
            let full = models.filter { $0.method == .full }.compactMap { $0[test] }
            XCTAssertEqual(
                Double(record["Δ full"] ?? "") ?? .nan, mean(values(best, test)) - mean(full), accuracy: 1.1e-4)
            XCTAssertEqual(
                Double(record["Δ random"] ?? "") ?? .nan, mean(values(best, test)) - mean(values(.random, test)),
                accuracy: 1.1e-4)
        }
    }

    func testRobustnessAndScoreTablesEqualTheFixture() throws {
        let results = ScanResultsFixture.finished
        let page = try PageReader.read(Self.finishedHTML)
        let robustness = page.records("robustness-table")
        XCTAssertEqual(robustness.count, Set(results.models.map(\.cell)).count * 2)
        for record in robustness.prefix(12) {
            let condition = record["condition"] ?? ""
            let drops = results.models.filter {
                $0.method.rawValue == record["method"] && $0.rule.label == record["rule"]
                    && $0.labelVariance.rawValue == record["label variance"]
            }.map { model in
                (model[.init(split: .test, condition: condition, utterances: condition, metric: .ccc)] ?? .nan)
                    - (model[.init(split: .test, condition: "clean", utterances: condition, metric: .ccc)] ?? .nan)
            }
            XCTAssertEqual(Double(record["drop"] ?? "") ?? .nan, mean(drops), accuracy: 5.1e-5)
        }
        // Scores: rank 1 is the argmax, and every score is printed to 6 decimals.
        for curve in results.scoreCurves {
            let rows = page.records("scores-\(curve.method.rawValue)")
            XCTAssertEqual(rows.count, curve.mean.count)
            let top = curve.mean.indices.max { curve.mean[$0] < curve.mean[$1] }
            XCTAssertEqual(Int(rows.first?["dimension"] ?? ""), top)
            for row in rows {
                guard let dimension = Int(row["dimension"] ?? "") else { return XCTFail("\(row)") }
                XCTAssertEqual(Double(row["score"] ?? "") ?? .nan, curve.mean[dimension], accuracy: 5.1e-7)
            }
        }
        XCTAssertEqual(page.records("models-table").count, results.models.count)
        XCTAssertEqual(page.records("selections-table").count, results.selections.count)
    }

    func testInProgressRunRendersWithNotesInsteadOfFailing() throws {
        let page = try PageReader.read(Self.runningHTML)
        for id in sectionIDs { XCTAssertTrue(page.ids.contains(id), "section \(id)") }
        XCTAssertTrue(Self.runningHTML.contains("This run is in progress"))
        XCTAssertTrue(Self.runningHTML.contains("Scores of ig: not yet available"))
        XCTAssertNil(page.tables["scores-ig"])

        // A run that has only just started: no phases, no scores, no models.
        let empty = ScanResults(
            run: .init(
                id: "r0", spec: ScanSpec.demo(),
                dataset: .init(
                    directory: "d", task: "binary", targets: ["humour"], conditions: ["clean"], dimension: 8),
                startedAt: ScanResultsFixture.start, status: .pending))
        let report = ScanReport(results: empty)
        let emptyPage = try PageReader.read(report.html())
        for id in sectionIDs { XCTAssertTrue(emptyPage.ids.contains(id), "section \(id)") }
        XCTAssertEqual(emptyPage.counts["svg"], nil)
        XCTAssertTrue(report.html().contains("Trained models: not yet available"))
        XCTAssertTrue(report.markdown().contains("not yet available"))
        XCTAssertEqual(report.csv().split(separator: "\n").count, 1)
    }

    func testBinaryTaskIsReportedInROCAUC() throws {
        var results = ScanResultsFixture.finished
        results.run.dataset.task = "binary"
        results.models = results.models.filter { $0.method == .ccs || $0.method == .full }
        for index in results.models.indices {
            for metric in results.models[index].metrics.indices
            where results.models[index].metrics[metric].key.metric == .ccc {
                results.models[index].metrics[metric].key.metric = .auc
            }
        }
        let html = ScanReport(results: results).html()
        let page = try PageReader.read(html)
        let records = page.records("kept-fraction-table")
        XCTAssertEqual(records.count, 14)
        let auc = ScanResults.MetricKey(split: .test, metric: .auc)
        for record in records {
            let values = results.models.filter {
                $0.method.rawValue == record["method"] && $0.rule.label == record["rule"]
                    && $0.labelVariance.rawValue == record["label variance"]
            }.compactMap { $0[auc] }
            XCTAssertEqual(Double(record["test auc"] ?? "") ?? .nan, mean(values), accuracy: 5.1e-5)
        }
        XCTAssertTrue(html.contains("test ROC AUC"))
    }

    func testCSVHasOneRowPerModelWithEveryMetricColumn() throws {
        let results = ScanResultsFixture.finished
        let lines = ScanReport(results: results).csv().split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(
            Array(header.prefix(8)), ["method", "rule", "ratio", "threshold", "k", "seed", "label_variance", "decoder"])
        XCTAssertEqual(
            Array(header.suffix(10)),
            [
                "params", "params_ratio", "seconds_to_best", "seconds_total", "best_epoch", "epochs_trained",
                "best_epoch_is_last", "model_path", "task_id", "layer",
            ])
        XCTAssertTrue(header.contains("test.clean.mean.ccc"))
        XCTAssertTrue(header.contains("test.clean[babble-snr5].valence.ccc"))
        XCTAssertTrue(header.contains("dev.reverb-t60[reverb-t60].mean.ccc"))
        XCTAssertEqual(lines.count, 1 + results.models.count)
        let metricColumns = Set(results.models.flatMap { $0.metrics.map(\.key.description) })
        XCTAssertEqual(header.count, 18 + metricColumns.count)

        // Every row: the model's own numbers, exactly (the CSV prints round-tripping decimals).
        let column = Dictionary(uniqueKeysWithValues: header.enumerated().map { ($1, $0) })
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            XCTAssertEqual(fields.count, header.count)
            guard let model = results.models.first(where: { $0.taskId == fields[column["task_id"] ?? 0] }) else {
                return XCTFail("no model for \(line)")
            }
            XCTAssertEqual(fields[column["method"] ?? 0], model.method.rawValue)
            XCTAssertEqual(Int(fields[column["k"] ?? 0]), model.k)
            XCTAssertEqual(Int(fields[column["params"] ?? 0]), model.params)
            XCTAssertEqual(Double(fields[column["params_ratio"] ?? 0]), model.paramsRatio)
            XCTAssertEqual(
                fields[column["best_epoch_is_last"] ?? 0], model.bestEpoch == model.epochsTrained ? "true" : "false")
            for value in model.metrics {
                XCTAssertEqual(Double(fields[column[value.key.description] ?? 0]), value.value)
            }
        }
        XCTAssertEqual(ResultsCSV.field("a,\"b\""), "\"a,\"\"b\"\"\"")
    }

    func testMarkdownCarriesTheSameTables() throws {
        let markdown = ScanReport(results: ScanResultsFixture.finished).markdown()
        let page = try PageReader.read(Self.finishedHTML)
        XCTAssertEqual(
            markdown.components(separatedBy: "\n| method | rule | label variance | k | kept |").count - 1, 1)
        // Every row of the kept-fraction table appears in Markdown with the same cells.
        for row in (page.tables["kept-fraction-table"] ?? []).dropFirst() {
            XCTAssertTrue(markdown.contains("| " + row.joined(separator: " | ") + " |"), row.joined(separator: " "))
        }
        XCTAssertEqual(markdown.components(separatedBy: "\n## ").count - 1, sectionIDs.count)
        // Markdown renders raw HTML, so data cannot inject any.
        XCTAssertTrue(markdown.hasPrefix("# Salience scan: fixture &lt;scan&gt; &amp; \"friends\""))
        XCTAssertFalse(ScanReport(results: ScanResultsFixture.running).markdown().contains("<script>"))
    }

    func testNiceTicksAndLabels() {
        let scale = AxisScale(covering: [0.03, 0.61], targetTicks: 6, pixelLower: 0, pixelUpper: 100)
        XCTAssertEqual(scale.step, 0.1, accuracy: 1e-12)
        XCTAssertEqual(scale.ticks.count, 8)  // 0.0 … 0.7
        XCTAssertEqual(scale.label(0.2), "0.2")
        XCTAssertEqual(scale.pixel(0.35), 50, accuracy: 1e-9)
        let negative = AxisScale(covering: [-0.13, -0.01], includeZero: true, pixelLower: 0, pixelUpper: 1)
        XCTAssertEqual(negative.ticks.last ?? .nan, 0, accuracy: 1e-12)
        XCTAssertEqual(negative.label(-0.04), "−0.04")
        let params = AxisScale(covering: [28_000, 54_000], pixelLower: 0, pixelUpper: 1)
        XCTAssertEqual(params.label(30_000), "30k")
        XCTAssertEqual(AxisScale.niceNumber(0.0034, round: true), 0.005, accuracy: 1e-15)
        XCTAssertEqual(AxisScale.niceNumber(1.2, round: true), 1, accuracy: 1e-15)
        XCTAssertEqual(Markup.escape("<a href='x'>&\"</a>"), "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;")
    }
}
