import Foundation
import TestFixtures
import TestSupport
import XCTest

@testable import Reports
@testable import ScanModel

/// The Layers section of a layered scan: present with the analysis' numbers, absent otherwise; the heat map's
/// PNG decodes (by PIL, independently of this encoder) to viridis of the scores; the grid tables keep the
/// mix as a reference instead of a column of dashes; a results.json with a `[layers]` spec reads back.
final class LayerReportTests: XCTestCase {
    /// The fixture's 96 dimensions read as three layers of 32, with a hand-made analysis and a mix model per
    /// full-width model (its metrics shifted, so its column is told apart from full's).
    static let layered: ScanResults = {
        var results = ScanResultsFixture.make()
        let widths = [0, 1, 2].map { ScanResults.LayerWidth(layer: $0, dimension: 32) }
        results.run.dataset.layers = widths
        results.run.spec.layers = ScanSpec.Layers()
        results.layers = ScanResults.LayerAnalysis(
            layers: widths, score: "top:0.1", metric: "ccc",
            methods: [
                .init(
                    method: .ccs, layerScores: [0.1, 0.4, 0.2], bestLayer: 1, spearmanWithProbe: 0.5,
                    crossLayerCounts: [.init(rule: .ratio(0.25), k: 8, counts: [1, 5, 2])]),
                .init(
                    method: .mis, layerScores: [0.3, 0.1, 0.2], bestLayer: 0, spearmanWithProbe: -0.5,
                    crossLayerCounts: [.init(rule: .ratio(0.25), k: 8, counts: [6, 0, 2])]),
            ],
            probe: [
                .init(layer: 0, dev: 0.2, test: 0.21, models: 3), .init(layer: 1, dev: 0.5, test: 0.45, models: 3),
                .init(layer: 2, dev: 0.6, test: 0.55, models: 3),
            ], probeBestLayer: 2, mixWeights: [0.2, 0.3, 0.5])
        let mix = results.models.filter { $0.rule == .full }.map { model -> TrainedModelResult in
            var model = model
            model.rule = .mix
            model.metrics = model.metrics.map {
                var value = $0
                value.value += 0.01
                return value
            }
            return model
        }
        results.models += mix
        return results
    }()

    func testLayersSectionShowsEachPickTheProbeTheMixAndTheCounts() throws {
        let page = try PageReader.read(ScanReport(results: Self.layered).html())
        XCTAssertTrue(page.ids.contains("layers"))
        let choice = page.records("layers-choice")
        XCTAssertEqual(choice.map { $0["method"] }, ["ccs", "mis"])
        XCTAssertEqual(choice.map { $0["picks layer"] }, ["1", "0"])
        XCTAssertEqual(choice.map { $0["its layer score"] }, ["0.4000", "0.3000"])
        XCTAssertEqual(choice.map { $0["probe's best layer"] }, ["2", "2"])
        XCTAssertEqual(choice.map { $0["same"] }, ["no", "no"])
        XCTAssertEqual(choice.map { $0["ρ with dev"] }, ["0.50", "-0.50"])
        let layers = page.records("layers-table")
        XCTAssertEqual(layers.map { $0["layer"] }, ["0", "1", "2"])
        XCTAssertEqual(layers.map { $0["ccs score"] }, ["0.1000", "0.4000", "0.2000"])
        XCTAssertEqual(layers.map { $0["probe test CCC"] }, ["0.2100", "0.4500", "0.5500"])
        XCTAssertEqual(layers.map { $0["mix weight"] }, ["0.200", "0.300", "0.500"])
        let counts = page.records("layers-cross-counts")
        XCTAssertEqual(
            counts.map { [$0["L0"], $0["L1"], $0["L2"], $0["layers used"]] },
            [["1", "5", "2", "3"], ["6", "0", "2", "2"]])
        // One heat map per method with scores in the analysis, the layer-score curve and the probe curve.
        let sections = ScanReport(results: Self.layered).sections(includeFigures: true)
        let names = try XCTUnwrap(sections.first { $0.id == "layers" }).figures.map(\.name)
        XCTAssertEqual(names, ["layers-heat-map-ccs", "layers-heat-map-mis", "layers-scores", "layers-probe"])
        // The layer-score curve is each method's scores over its highest: ccs 0.1/0.4 at layer 0.
        let scores = try XCTUnwrap(sections.flatMap(\.figures).first { $0.name == "layers-scores" })
        XCTAssertTrue(scores.csv.contains("ccs,0.0,0.25,"), scores.csv)
        XCTAssertTrue(scores.csv.contains("mis,0.0,1.0,"), scores.csv)
    }

    func testReportOfOneLayerHasNoLayersSection() throws {
        let sections = ScanReport(results: ScanResultsFixture.finished).sections(includeFigures: true)
        XCTAssertEqual(
            sections.map(\.id),
            [
                "summary", "overview", "progress", "scores", "kept-fraction", "parameters", "learning-curves",
                "robustness", "label-variance", "selections", "models",
            ])
        XCTAssertFalse(sections.flatMap(\.figures).contains { $0.name.hasPrefix("layers") })
        XCTAssertFalse(ScanReport(results: ScanResultsFixture.finished).html().contains("heat-map"))
    }

    func testHeadlineTableShowsTheMixBesideFullAndNoColumnOfDashes() throws {
        let page = try PageReader.read(ScanReport(results: Self.layered).html())
        let header = try XCTUnwrap(page.tables["headline-off"]?.first)
        XCTAssertEqual(header.suffix(2), ["full (all 96)", "mix (all 3 layers)"])
        XCTAssertFalse(header.contains("mix"))
        let full = Self.layered.seedSummaries().first {
            $0.cell == .init(method: .full, rule: .mix, labelVariance: .off)
        }
        let mean = try XCTUnwrap(full?.metrics[.init(split: .test, metric: .ccc)]?.mean)
        let ccs = try XCTUnwrap(page.records("headline-off").first { $0["method"] == "ccs" })
        XCTAssertEqual(ccs["mix (all 3 layers)"]?.hasPrefix(Markup.number(mean)), true, ccs.description)
    }

    func testResultsWithALayersSpecReadBack() throws {
        let data = try Self.layered.jsonData()
        XCTAssertEqual(try ScanResults.decode(data), Self.layered)
    }

    /// PIL decodes the PNG; each pixel must be viridis (matplotlib's own table when it is installed, this
    /// module's palette otherwise) at the score's place between the lowest and highest score.
    func testHeatMapPNGDecodesToViridisOfTheScores() throws {
        let rows: [[Double]] = [[0, 0.25, 0.5, 0.75, 1], [2, 1.5, 1, 0.5, .nan], [0.1, 0.2, 0.3]]
        let map = LayerHeatMap(title: "t", quantity: "q", layers: [4, 5, 6], rows: rows)
        let scratch = try ScratchDirectory("heat-map")
        defer { scratch.remove() }
        let file = scratch.path("map.png")
        try map.png().write(to: file)
        let script = """
            import json, sys
            from PIL import Image
            image = Image.open(sys.argv[1]); image.load()
            try:
                import matplotlib
                table = [[round(c * 255) for c in matplotlib.colormaps['viridis'](i / 255)[:3]] for i in range(256)]
            except ImportError:
                table = None
            print(json.dumps({"size": image.size, "mode": image.mode,
                "pixels": [list(p) for p in image.convert("RGB").getdata()], "viridis": table}))
            """
        guard let result = try runReferencePython(script, arguments: [file.path]) else {
            throw XCTSkip("no reference Python venv (ops/python-env)")
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        struct Decoded: Decodable {
            var size: [Int]
            var mode: String
            var pixels: [[Int]]
            var viridis: [[Int]]?
        }
        let decoded = try JSONDecoder().decode(Decoded.self, from: Data(result.stdout.utf8))
        XCTAssertEqual(decoded.size, [5, 3])
        XCTAssertEqual(decoded.mode, "P")
        for (row, scores) in rows.enumerated() {
            for column in 0..<5 {
                let pixel = decoded.pixels[row * 5 + column]
                guard column < scores.count, scores[column].isFinite else {
                    XCTAssertEqual(pixel, [0xE4, 0xE4, 0xE4], "missing cell \(row),\(column) is grey")
                    continue
                }
                let t = scores[column] / 2  // the scores run from 0 to 2
                let expected =
                    decoded.viridis.map { $0[Int((t * 255).rounded())] }
                    ?? {
                        let c = Viridis.color(t)
                        return [Int(c.red), Int(c.green), Int(c.blue)]
                    }()
                for channel in 0..<3 {
                    XCTAssertEqual(
                        Double(pixel[channel]), Double(expected[channel]), accuracy: 6,
                        "cell \(row),\(column) score \(scores[column])")
                }
            }
        }
    }

    func testWideLayersArePooledByTheirMaximumSoALoneSpikeStays() {
        var rows = [[Double]](repeating: [Double](repeating: 0, count: 2050), count: 2)
        rows[1][2049] = 1
        let map = LayerHeatMap(title: "t", quantity: "q", layers: [0, 1], rows: rows)
        XCTAssertEqual(map.pooling, 3)
        let grid = map.pixelGrid()
        XCTAssertEqual(grid.width, 684)
        XCTAssertEqual(grid.pixels[grid.width + 683], 254)
        XCTAssertEqual(grid.pixels.filter { $0 != 0 }.count, 1)
        XCTAssertEqual(map.csv().split(separator: "\n").count, 1 + 2 * 2050)
    }
}
