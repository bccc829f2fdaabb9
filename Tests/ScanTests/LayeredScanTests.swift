import Cluster
import Foundation
import HDF5
import Logging
import Reports
import Shards
import TestSupport
import XCTest

@testable import Scan
@testable import ScanModel

/// A scan over every layer of a layered dataset whose signal is planted in one layer: the saliency and the
/// probe find that layer, one pass over all layers scores each layer as a scan of that layer alone does, and
/// what cannot work is refused before any work starts.
final class LayeredScanTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private let planted = 2

    override func setUpWithError() throws {
        scratch = try ScratchDirectory("salience-layered-scan")
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 700
        configuration.dimension = 12
        configuration.relevantDimensions = 6
        configuration.shards = 2
        configuration.layers = 4
        configuration.relevantLayers = [planted]
        try SyntheticDataset(configuration: configuration).write(to: scratch.path("layered"))
        var plain = SyntheticDataset.Configuration()
        plain.utterances = 60
        plain.shards = 1
        try SyntheticDataset(configuration: plain).write(to: scratch.path("plain"))
    }

    override func tearDown() { scratch.remove() }

    private func spec(_ directory: String = "layered") -> ScanSpec {
        var spec = ScanSpec(datasetDirectory: directory, name: "layers")
        spec.selection.methods = [.ccs, .mis, .random, .full]
        spec.selection.ratios = [0.25]
        spec.selection.thresholds = [.mean]
        spec.decoder = ScanSpec.Decoder(
            kind: .gruFF, convChannels: 0, kernel: 0, gruUnits: 8, gruLayers: 1, ffUnits: 8, dropout: 0)
        spec.training.seeds = [1]
        spec.training.epochs = 8
        spec.training.labelVariance = [.off]
        spec.cluster.utterancesPerTask = 200
        spec.output.directory = scratch.path("out-\(directory)").path
        var layers = ScanSpec.Layers()
        layers.grid = [.cross, .best, .perLayer]
        layers.probeEpochs = 8
        spec.layers = layers
        return spec
    }

    func testThePlantedLayerIsFoundByTheScoresAndByTheProbe() throws {
        let scan = try InProcessScan(spec: spec(), root: scratch.url)
        let results = try scan.results()
        XCTAssertEqual(results.run.dataset.layers?.map(\.layer), [0, 1, 2, 3])
        XCTAssertEqual(results.run.dataset.dimension, 48)
        let analysis = try XCTUnwrap(results.layers)
        for method in [ScanSpec.Method.ccs, .mis] {
            let entry = try XCTUnwrap(analysis.methods.first { $0.method == method })
            XCTAssertEqual(entry.bestLayer, planted, "\(method): \(entry.layerScores)")
            XCTAssertNotNil(entry.spearmanWithProbe)
            // k = ⌊0.25 · 12⌋ = 3 across layers: most from the planted layer.
            let counts = try XCTUnwrap(entry.crossLayerCounts.first { $0.rule == .ratio(0.25) })
            XCTAssertEqual(counts.k, 3)
            XCTAssertGreaterThanOrEqual(counts.counts[planted], 2, "\(method): \(counts.counts)")
            XCTAssertEqual(counts.counts.reduce(0, +), 3)
        }
        let probe = try XCTUnwrap(analysis.probe)
        XCTAssertEqual(probe.map(\.layer), [0, 1, 2, 3])
        XCTAssertEqual(analysis.probeBestLayer, planted, "probe dev CCC per layer: \(probe.map(\.dev))")
        // Spearman's ρ with the probe's test metric, recomputed here from ranks (no ties among 4 values).
        for entry in analysis.methods {
            func ranks(_ values: [Double]) -> [Double] {
                var rank = [Double](repeating: 0, count: values.count)
                for (position, index) in values.indices.sorted(by: { values[$0] < values[$1] }).enumerated() {
                    rank[index] = Double(position)
                }
                return rank
            }
            let a = ranks(entry.layerScores)
            let b = ranks(probe.map(\.test))
            let n = Double(a.count)
            let squared = zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
            let expected = 1 - 6 * squared / (n * (n * n - 1))
            XCTAssertEqual(try XCTUnwrap(entry.spearmanWithProbeTest), expected, accuracy: 1e-12)
        }
        let mix = try XCTUnwrap(analysis.mixWeights)
        XCTAssertEqual(mix.count, 4)
        XCTAssertEqual(mix.reduce(0, +), 1, accuracy: 1e-6)

        // Selections: per-layer cells stay in their layer; the best layer's equal that layer's own cells.
        for selection in results.selections {
            if case .inLayer(let layer, _) = selection.rule {
                XCTAssertTrue(selection.indices.allSatisfy { (layer * 12..<(layer + 1) * 12).contains($0) })
            }
            if case .bestLayer(let inner) = selection.rule {
                XCTAssertEqual(selection.layer, planted)
                let own = results.selections.first {
                    $0.method == selection.method && $0.rule == .inLayer(planted, inner)
                }
                XCTAssertEqual(own?.indices, selection.indices)
            }
        }
        // Probe cells train the probe's epochs; the mix cell trains the learned sum of the 4 layers.
        let trains = try scan.tasks(ScanTaskKind.train, as: TrainTask.self)
        for task in trains where task.rule.layer != nil && task.rule.unscoped == .full {
            XCTAssertEqual(task.training.epochs, 8)
            XCTAssertEqual(task.columns.count, 12)
        }
        XCTAssertEqual(trains.first { $0.rule == .mix }?.layerMix, 4)
        XCTAssertNotNil(results.models.first { $0.rule == .mix }?.layerWeights)
        XCTAssertEqual(results.models.count, results.run.phases.first { $0.name == "grid" }?.tasksTotal)
        // Counted from the models themselves: every (method, rule) cell once per seed and mode, and the report
        // says all of them were trained (the rule it counts by is the planner's).
        let cells = Set(results.models.map { "\($0.method) \($0.rule)" }).count
        let perCell = Set(results.models.map { "\($0.seed) \($0.labelVariance)" }).count
        XCTAssertEqual(results.models.count, cells * perCell)
        // The dry run's preview, from the headers alone, counts the same models and grid tasks.
        let preview = try ScanPreview.make(spec: spec(), dataRoot: DataRoot(scratch.url))
        XCTAssertEqual(preview.models, results.models.count)
        XCTAssertEqual(preview.phases.first { $0.name == "grid" }?.tasks, results.models.count)
        // results.csv names each confined cell's layer: its own, or the one its best-layer selection chose.
        let csv = ScanReport(results: results).csv().split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false)
        }
        let layerColumn = try XCTUnwrap(csv.first?.firstIndex(of: "layer"))
        let ruleColumn = try XCTUnwrap(csv.first?.firstIndex(of: "rule"))
        for row in csv.dropFirst() {
            let rule = String(row[ruleColumn])
            let expected =
                rule.hasPrefix("best-layer/")
                ? String(planted) : rule.hasPrefix("layer") ? String(rule.dropFirst(5).prefix { $0.isNumber }) : ""
            XCTAssertEqual(String(row[layerColumn]), expected, "layer of \(rule)")
        }
        let report = ScanReport(results: results).markdown()
        XCTAssertTrue(
            report.contains("\(cells * perCell) of \(cells * perCell) models"),
            "the overview counts the layered grid: "
                + (report.components(separatedBy: "\n").first { $0.contains(" models") } ?? ""))
    }

    /// One pass over every layer gives each layer's scores exactly as a scan of that layer alone.
    func testOnePassOverAllLayersScoresEachLayerAsAScanOfThatLayerAlone() throws {
        var all = spec()
        all.selection.methods = [.ccs, .mis]
        all.layers?.grid = [.cross]
        all.layers?.probeEpochs = 0
        all.layers?.mix = false
        all.training.epochs = 1
        let wide = try InProcessScan(spec: all, root: scratch.url, runID: "all").results()
        var one = all
        one.dataset.layers = .only([planted])
        one.output.directory = scratch.path("out-one").path
        let single = try InProcessScan(spec: one, root: scratch.url, runID: "one").results()
        XCTAssertNil(single.layers, "a scan of one layer is not layered")
        XCTAssertEqual(single.run.dataset.layers, [.init(layer: planted, dimension: 12)])
        for method in [ScanSpec.Method.ccs, .mis] {
            let together = try XCTUnwrap(wide.scoreCurve(method)?.mean)
            let alone = try XCTUnwrap(single.scoreCurve(method)?.mean)
            XCTAssertEqual(alone.count, 12)
            for (a, b) in zip(together[(planted * 12)..<((planted + 1) * 12)], alone) {
                XCTAssertEqual(a, b, accuracy: 1e-12, "\(method)")
            }
        }
    }

    func testWhatCannotWorkIsRefusedBeforeAnyWork() throws {
        let root = DataRoot(scratch.url)
        func refusal(_ spec: ScanSpec) -> String {
            do {
                _ = try CatalogExecutor.describe(spec: spec, submittedAt: Date(), dataRoot: root)
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        var v1 = spec("plain")
        v1.dataset.layers = .only([3])
        XCTAssertTrue(refusal(v1).contains("has no layer 3: its shards are version 1"), refusal(v1))
        var missing = spec()
        missing.dataset.layers = .only([1, 7])
        XCTAssertTrue(refusal(missing).contains("has no layer 7 (its layers: 0–3)"), refusal(missing))
        var pca = spec()
        pca.selection.methods = [.ccs, .pca]
        XCTAssertTrue(refusal(pca).contains("pca in a scan of 4 layers"), refusal(pca))
        var onePCA = pca
        onePCA.dataset.layers = .only([1])
        XCTAssertEqual(refusal(onePCA), "accepted")
        // A shard whose layers disagree in F: the catalog names the file and the layer.
        let broken = scratch.path("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: scratch.path("layered/synthetic-000.h5"), to: broken.appendingPathComponent("a.h5"))
        let file = try File.open(broken.appendingPathComponent("a.h5").path, mode: .readWrite)
        _ = try file.openGroup("layers").createGroup("09").createDataset(
            "embeddings", type: .float32, shape: [3, 12], maxShape: [3, 12],
            layout: DatasetLayout(chunk: [3, 12], gzipLevel: nil, shuffle: false))
        let text = refusal(spec("broken"))
        XCTAssertTrue(text.contains("a.h5") && text.contains("layers/09/embeddings"), text)
    }

    func testTheLayerFieldsReadFromTOMLAndBack() throws {
        let toml = """
            [dataset]
            directory = "layered"
            layers = [0, 2]
            [layers]
            grid = ["per-layer", "best"]
            score = "mean"
            probe_epochs = 2
            mix = false
            """
        let spec = try ScanSpec.parse(toml: toml)
        XCTAssertEqual(spec.dataset.layers, .only([0, 2]))
        XCTAssertEqual(spec.layers?.grid, [.perLayer, .best])
        XCTAssertEqual(spec.layers?.score, .mean)
        XCTAssertEqual(spec.layers?.probeEpochs, 2)
        XCTAssertEqual(spec.layers?.mix, false)
        XCTAssertEqual(try ScanSpec.parse(toml: spec.tomlText()), spec)
        let bad = """
            [dataset]
            directory = "layered"
            layers = "some"
            [layers]
            grid = ["diagonal"]
            score = "top:2"
            probe_epochs = -1
            """
        XCTAssertThrowsError(try ScanSpec.parse(toml: bad)) { error in
            let text = "\(error)"
            for needle in [
                "dataset.layers", "layers.grid[0]", "unknown layer grid \"diagonal\"", "layers.score",
                "layers.probe_epochs",
            ] {
                XCTAssertTrue(text.contains(needle), "\(needle) in \(text)")
            }
        }
        // Rules spelled with a layer scope read back.
        for rule: ScanResults.SelectionRule in [
            .inLayer(3, .ratio(0.25)), .bestLayer(.threshold(.mean)), .mix, .inLayer(0, .full),
        ] {
            XCTAssertEqual(ScanResults.SelectionRule(spelling: rule.description), rule)
        }
        XCTAssertNil(ScanResults.SelectionRule(spelling: "layer1/layer2/full"))
    }
}
