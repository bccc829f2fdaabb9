import Foundation
import TestFixtures
import TestSupport
import XCTest

@testable import Reports
@testable import ScanModel

/// The figures of issue 18: the kept-fraction axis fits the methods (random's outlier marked, not
/// stretching it), method colours stay apart (also for colour-blind readers), robustness bars by method
/// with threshold rules and without repeated full-width bars, captions that say only what is drawn, each
/// figure as files whose CSV is the data plotted, and the learning curves with unconverged models flagged.
final class ReportFigureTests: XCTestCase {
    private static let results = ScanResultsFixture.finished
    private static let sections = ScanReport(results: results).sections(includeFigures: true)
    private let test = ScanResults.MetricKey(split: .test, metric: .ccc)

    private func figure(_ name: String, in sections: [ReportSection] = sections) throws -> ReportSection.Figure {
        try XCTUnwrap(sections.flatMap(\.figures).first { $0.name == name }, name)
    }

    /// Every match of `pattern`'s first group in `text`.
    private func captures(_ pattern: String, in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    private func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }
    private func sampleStd(_ values: [Double]) -> Double {
        let m = mean(values)
        return (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
    }

    /// Test CCC of one cell's seeds, straight from the models.
    private func values(_ method: ScanSpec.Method, _ rule: ScanResults.SelectionRule, _ mode: String) -> [Double] {
        Self.results.models.filter {
            $0.method == method && $0.rule == rule && $0.labelVariance.rawValue == mode
        }.compactMap { $0[test] }
    }

    func testKeptFractionAxisCoversTheMethodsAndMarksRandomsOutlier() throws {
        for mode in ["std-aux", "off"] {
            let figure = try figure("kept-fraction-\(mode)")
            let ticks = captures(#"class="y-tick"[^>]*>([^<]+)<"#, in: figure.svg).compactMap {
                Double($0.replacingOccurrences(of: "−", with: "-"))
            }
            let low = try XCTUnwrap(ticks.min())
            let high = try XCTUnwrap(ticks.max())
            // Every selection method's mean ± std, and the full-width decoder, recomputed from the models.
            var methodEnds: [Double] = []
            for method in [ScanSpec.Method.ccs, .mis, .misHist, .pca, .ig] {
                for rule in Set(Self.results.models.filter { $0.method == method }.map(\.rule)) {
                    let cell = values(method, rule, mode)
                    methodEnds += [mean(cell) - sampleStd(cell), mean(cell) + sampleStd(cell)]
                }
            }
            let full = values(.full, .full, mode)
            methodEnds += [mean(full) - sampleStd(full), mean(full) + sampleStd(full)]
            XCTAssertLessThanOrEqual(low, methodEnds.min()!, mode)
            XCTAssertGreaterThanOrEqual(high, methodEnds.max()!, mode)
            // No more than one tick step of slack either side (nice numbers), so the methods fill the plot.
            let step = (high - low) / Double(ticks.count - 1)
            XCTAssertGreaterThan(low, methodEnds.min()! - step, mode)
            // Random at 10 % lies below the methods: outside the axis, marked at its edge with its value.
            let random = values(.random, .ratio(0.1), mode)
            XCTAssertLessThan(mean(random), low, mode)
            XCTAssertEqual(figure.svg.components(separatedBy: "class=\"off-axis\"").count - 1, 1, mode)
            XCTAssertTrue(
                figure.svg.contains(">\(String(format: "%.2f", mean(random)))</text>"), "edge label, \(mode)")
            // And the caption gives every random cell's mean ± std.
            for ratio in [0.1, 0.25, 0.5, 1.0] {
                let cell = values(.random, .ratio(ratio), mode)
                let text = String(format: "%.3f ± %.3f", mean(cell), sampleStd(cell))
                XCTAssertTrue(figure.caption.contains(text), "\(mode) \(ratio): \(text) in \(figure.caption)")
            }
        }
    }

    /// CIE 1976 ΔE in CIELAB (D65) between sRGB colours, for normal vision and under full deuteranopia and
    /// protanopia as simulated by Machado, Oliveira & Fernandes (2009, severity 1, linear RGB).
    private func distances(_ a: String, _ b: String) -> [Double] {
        func linear(_ hex: String) -> [Double] {
            let value = Int(hex.dropFirst(), radix: 16)!
            return [16, 8, 0].map { shift in
                let c = Double((value >> shift) & 0xFF) / 255
                return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4)
            }
        }
        func lab(_ rgb: [Double]) -> [Double] {
            let m = [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
            let white = [0.95047, 1, 1.08883]
            let f = (0..<3).map { row -> Double in
                let t = (0..<3).reduce(0) { $0 + m[row][$1] * rgb[$1] } / white[row]
                return t > 216.0 / 24389 ? cbrt(t) : (24389.0 / 27 * t + 16) / 116
            }
            return [116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])]
        }
        func simulate(_ m: [[Double]], _ rgb: [Double]) -> [Double] {
            (0..<3).map { row in min(1, max(0, (0..<3).reduce(0) { $0 + m[row][$1] * rgb[$1] })) }
        }
        let deuteranopia = [
            [0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881],
        ]
        let protanopia = [
            [0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998],
        ]
        let (x, y) = (linear(a), linear(b))
        func delta(_ p: [Double], _ q: [Double]) -> Double {
            let (u, v) = (lab(p), lab(q))
            return (0..<3).reduce(0) { $0 + (u[$1] - v[$1]) * (u[$1] - v[$1]) }.squareRoot()
        }
        return [
            delta(x, y), delta(simulate(deuteranopia, x), simulate(deuteranopia, y)),
            delta(simulate(protanopia, x), simulate(protanopia, y)),
        ]
    }

    func testMethodColoursAreDistinctAlsoForColourBlindReaders() throws {
        let methods = ScanSpec.Method.allCases
        for (i, a) in methods.enumerated() {
            for b in methods[(i + 1)...] {
                let d = distances(Palette.color(a), Palette.color(b))
                XCTAssertGreaterThanOrEqual(d[0], 20, "\(a) vs \(b), normal vision")
                XCTAssertGreaterThanOrEqual(d[1], 12, "\(a) vs \(b), deuteranopia")
                XCTAssertGreaterThanOrEqual(d[2], 12, "\(a) vs \(b), protanopia")
            }
        }
        // The pair issue 18 could not tell apart (vermillion and orange were ΔE 33 but one hue in thin lines).
        XCTAssertGreaterThanOrEqual(distances(Palette.color(.mis), Palette.color(.misHist)).min()!, 40)
        // And the plot draws each method's line in its own colour.
        let svg = try figure("kept-fraction-off").svg
        let strokes = captures(#"class="series-line"[^>]*stroke="(#[0-9A-Fa-f]{6})""#, in: svg)
        XCTAssertEqual(Set(strokes).count, 6)  // ccs, mis, mis-hist, pca, ig, random (full is a reference)
    }

    func testRobustnessBarsAreColouredByMethodWithThresholdsAndOneFullWidthCell() throws {
        let svg = try figure("robustness-off").svg
        let fills = Set(captures(#"class="bar" [^>]*fill="(#[0-9A-Fa-f]{6})""#, in: svg))
        XCTAssertEqual(fills, Set(ScanSpec.Method.allCases.map(Palette.color)))
        let labels = captures(#"<text [^>]*>([^<]+)</text>"#, in: svg)
        XCTAssertTrue(labels.contains("ccs ≥ mean"))
        XCTAssertTrue(labels.contains("ig ≥ p75"))
        XCTAssertFalse(labels.contains { $0.hasSuffix(" 100%") }, "\(labels)")
        XCTAssertEqual(labels.filter { $0 == "full" }.count, 1)
        let csv = try figure("robustness-off").csv
        // full's drop on babble, recomputed: distorted minus clean on the same utterances, mean over seeds.
        let drops = Self.results.models.filter { $0.method == .full && $0.labelVariance == .off }.map { model in
            model[.init(split: .test, condition: "babble-snr5", utterances: "babble-snr5", metric: .ccc)]!
                - model[.init(split: .test, condition: "clean", utterances: "babble-snr5", metric: .ccc)]!
        }
        let row = try XCTUnwrap(csv.split(separator: "\n").first { $0.hasPrefix("full,babble-snr5,") })
        XCTAssertEqual(Double(row.split(separator: ",")[2]) ?? .nan, mean(drops), accuracy: 1e-12)
    }

    func testCaptionsSayOnlyWhatIsDrawn() throws {
        let full = try figure("kept-fraction-off").caption
        XCTAssertTrue(full.contains("dashed black line is the full-width decoder"))
        XCTAssertTrue(full.contains("Random selections"))
        XCTAssertTrue(full.contains("hollow: threshold rules"))
        var results = Self.results
        results.models = results.models.filter { ![.full, .random].contains($0.method) && $0.rule.threshold == nil }
        let sections = ScanReport(results: results).sections(includeFigures: true)
        let bare = try figure("kept-fraction-off", in: sections)
        XCTAssertFalse(bare.caption.contains("full-width"), bare.caption)
        XCTAssertFalse(bare.caption.lowercased().contains("random"), bare.caption)
        XCTAssertFalse(bare.caption.contains("hollow"), bare.caption)
        XCTAssertFalse(bare.svg.contains("class=\"reference\""))
        XCTAssertFalse(bare.svg.contains("off-axis"))
    }

    func testFigureFilesAreWrittenAndTheirCSVIsThePlottedData() throws {
        let scratch = try ScratchDirectory("figures")
        defer { scratch.remove() }
        try ScanReport(results: Self.results).write(to: scratch.url)
        let folder = scratch.url.appendingPathComponent("figures")
        let html = try String(contentsOf: scratch.url.appendingPathComponent("report.html"), encoding: .utf8)
        for figure in Self.sections.flatMap(\.figures) {
            let svg = try String(contentsOf: folder.appendingPathComponent("\(figure.name).svg"), encoding: .utf8)
            XCTAssertTrue(svg.hasPrefix("<?xml"), figure.name)
            XCTAssertTrue(svg.contains(figure.svg) && html.contains(figure.svg), "\(figure.name): same SVG as the page")
            XCTAssertTrue(html.contains("href=\"figures/\(figure.name).csv\""))
            let csv = try String(contentsOf: folder.appendingPathComponent("\(figure.name).csv"), encoding: .utf8)
            XCTAssertEqual(csv, figure.csv, figure.name)
        }
        // kept-fraction-off.csv: each method's points are the seeds' mean with ±1 sample std, from the models.
        let csv = try String(contentsOf: folder.appendingPathComponent("kept-fraction-off.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        var checked = 0
        for method in [ScanSpec.Method.ccs, .misHist, .random] {
            for ratio in [0.1, 0.25, 0.5, 1.0] {
                let k = max(1, Int((ratio * 96).rounded(.down)))
                let row = try XCTUnwrap(rows.first { $0[0] == method.rawValue && Double($0[1]) == Double(k) / 96 })
                let cell = values(method, .ratio(ratio), "off")
                XCTAssertEqual(Double(row[2]) ?? .nan, mean(cell), accuracy: 1e-12)
                XCTAssertEqual(Double(row[3]) ?? .nan, mean(cell) - sampleStd(cell), accuracy: 1e-12)
                XCTAssertEqual(Double(row[4]) ?? .nan, mean(cell) + sampleStd(cell), accuracy: 1e-12)
                checked += 1
            }
        }
        XCTAssertEqual(checked, 12)
        // The full-width reference row, and random at 10 % flagged as drawn off the axis.
        let full = try XCTUnwrap(rows.first { $0[0] == "full (all 96)" })
        XCTAssertEqual(Double(full[2]) ?? .nan, mean(values(.full, .full, "off")), accuracy: 1e-12)
        XCTAssertEqual(rows.first { $0[0] == "random" && Double($0[1]) == 9.0 / 96 }?[5], "false")
        // Every on-axis point has a marker in the plot (plus one per legend entry with a marker).
        let onAxis = rows.filter { $0[5] == "true" && !$0[1].isEmpty }.count
        let markers = try figure("kept-fraction-off").svg.components(separatedBy: "class=\"marker\"").count - 1
        XCTAssertEqual(markers, onAxis + 10)  // legend: 6 methods + 4 threshold series
    }

    func testLearningCurvesDrawTheRecordedEpochsAndFlagUnconvergedModels() throws {
        let unconverged = Self.results.models.filter { $0.bestEpoch == $0.epochsTrained }
        XCTAssertGreaterThan(unconverged.count, 0, "the fixture has models still improving at their last epoch")
        let section = try XCTUnwrap(Self.sections.first { $0.id == "learning-curves" })
        XCTAssertTrue(
            section.findings.first?.hasPrefix("\(unconverged.count) of \(Self.results.models.count) models") ?? false,
            "\(section.findings)")
        XCTAssertEqual(section.tables.first { $0.id == "unconverged-table" }?.rows.count, unconverged.count)
        let models = try XCTUnwrap(
            ScanReport(results: Self.results).sections(includeFigures: false).first {
                $0.id == "models"
            }?.tables.first)
        let column = try XCTUnwrap(models.columns.firstIndex { $0.title == "converged" })
        XCTAssertEqual(models.rows.filter { $0[column].hasPrefix("no") }.count, unconverged.count)

        // The CSV of ccs's figure is every ccs model's recorded curve, epoch by epoch.
        let ccs = try figure("learning-curves-ccs")
        let rows = ccs.csv.split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        let ccsModels = Self.results.models.filter { $0.method == .ccs }
        XCTAssertEqual(
            rows.filter { $0[0] == "dev" && $0[1] != "best at last epoch" }.count,
            ccsModels.map { $0.learningCurve?.count ?? 0 }.reduce(0, +))
        let model = try XCTUnwrap(ccsModels.first)
        let name = "ccs \(model.rule.label) \(model.labelVariance.rawValue) seed \(model.seed)"
        let loss = rows.filter { $0[0] == "train_loss" && $0[1] == name }.compactMap { Double($0[3]) }
        XCTAssertEqual(loss, model.learningCurve?.map(\.trainLoss))
        let rings = rows.filter { $0[1] == "best at last epoch" }.count
        XCTAssertEqual(rings, ccsModels.filter { $0.bestEpoch == $0.epochsTrained }.count)
    }
}
