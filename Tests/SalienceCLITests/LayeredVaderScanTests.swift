import Foundation
import TestSupport
import XCTest

@testable import Scan
@testable import ScanModel

/// Issue 19 on real data (opt-in, ~15 minutes of CPU: `SALIENCE_SLOW_TESTS=1`): a layered scan over all 7
/// hidden states of all-MiniLM-L6-v2 on the VADER lexicon (the recipe's `--layers all`), 3 seeds. It prints
/// what the README quotes: Spearman's ρ between each method's layer score and the per-layer decoder's test
/// CCC over the 7 layers, and the test CCC of the cross-layer top k beside the best single layer's top k.
/// It asserts that the scan measures those things, not which way they come out: the numbers are findings.
///
/// The dataset: `SALIENCE_VADER7` (a folder `datasets/vader-minilm/build --layers all` wrote), else the
/// recipe builds it when its venv exists (`datasets/.venv-recipes`, or `SALIENCE_RECIPES_VENV`).
final class LayeredVaderScanTests: XCTestCase {
    func testEveryLayerOfVaderMiniLMIsScoredProbedAndSelectedAcross() throws {
        try OptInScan.requireSlowTests("a layered scan of ~50 models")
        let scratch = try ScratchDirectory("salience-vader7-scan")
        defer { scratch.remove() }
        let data = try layeredVader(in: scratch)
        var spec = ScanSpec(datasetDirectory: data.lastPathComponent, name: "vader-minilm, 7 layers")
        spec.dataset.layers = .all
        spec.selection.methods = [.ccs, .mis, .random, .full]
        spec.selection.ratios = [0.1]
        spec.selection.thresholds = []
        spec.decoder = OptInScan.smallDecoder
        spec.training.seeds = [1, 2, 3]
        spec.training.epochs = 10
        spec.training.patience = 3
        var layers = ScanSpec.Layers()
        layers.grid = [.cross, .best]
        layers.probeEpochs = 10  // the probe is then the per-layer decoder, trained like every cell
        spec.layers = layers
        let results = try OptInScan.run(spec, dataset: data, scratch: scratch)
        XCTAssertEqual(results.run.status, .succeeded)
        let analysis = try XCTUnwrap(results.layers)
        XCTAssertEqual(analysis.layers.map(\.layer), Array(0...6))
        let probe = try XCTUnwrap(analysis.probe)
        XCTAssertEqual(probe.map(\.layer), Array(0...6))
        XCTAssertEqual(probe.map(\.models), [Int](repeating: 3, count: 7))
        let testCCC = ScanResults.MetricKey(split: .test, metric: .ccc)
        func mean(_ method: ScanSpec.Method, _ rule: ScanResults.SelectionRule) -> (Double, Int) {
            let values = results.models.filter { $0.method == method && $0.rule == rule }.compactMap { $0[testCCC] }
            return (values.reduce(0, +) / Double(max(1, values.count)), values.count)
        }
        var lines = [
            "probe test CCC per layer: " + probe.map { String(format: "%.3f", $0.test) }.joined(separator: " ")
        ]
        for method in [ScanSpec.Method.ccs, .mis] {
            let entry = try XCTUnwrap(analysis.methods.first { $0.method == method })
            let rhoTest = try XCTUnwrap(entry.spearmanWithProbeTest, "\(method): no ρ with the probe's test CCC")
            let rhoDev = try XCTUnwrap(entry.spearmanWithProbe)
            let cross = mean(method, .ratio(0.1))
            let best = mean(method, .bestLayer(.ratio(0.1)))
            XCTAssertEqual(cross.1, 3, "\(method): cross-layer top k trained per seed")
            XCTAssertEqual(best.1, 3, "\(method): best-layer top k trained per seed")
            let counts = try XCTUnwrap(entry.crossLayerCounts.first { $0.rule == .ratio(0.1) })
            XCTAssertEqual(counts.counts.reduce(0, +), counts.k)
            lines.append(
                String(
                    format: "%@: picks layer %d (probe: %d), ρ(layer score, probe test CCC) = %.2f (dev %.2f); "
                        + "top %d across layers %.3f vs in layer %d %.3f; across takes %@ per layer",
                    method.rawValue, entry.bestLayer, analysis.probeBestLayer ?? -1, rhoTest, rhoDev, counts.k,
                    cross.0, entry.bestLayer, best.0, counts.counts.map(String.init).joined(separator: "/")))
        }
        let mix = mean(.full, .mix)
        let full = mean(.full, .full)
        lines.append(String(format: "mix %.3f, all 7 layers concatenated %.3f", mix.0, full.0))
        print("layered vader-minilm:\n  " + lines.joined(separator: "\n  "))
    }

    /// The 7-layer dataset: SALIENCE_VADER7, or built by the recipe into `scratch` when its venv exists.
    private func layeredVader(in scratch: ScratchDirectory) throws -> URL {
        if let path = ProcessInfo.processInfo.environment["SALIENCE_VADER7"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        let venv =
            ProcessInfo.processInfo.environment["SALIENCE_RECIPES_VENV"]
            ?? TestEnvironment.packageRoot.appendingPathComponent("datasets/.venv-recipes").path
        guard FileManager.default.isExecutableFile(atPath: venv + "/bin/python") else {
            throw XCTSkip(
                "no 7-layer vader-minilm: set SALIENCE_VADER7 to a folder `datasets/vader-minilm/build "
                    + "--layers all` wrote, or prepare the recipe's venv (datasets/vader-minilm/build --prepare-only)")
        }
        let out = scratch.path("vader7")
        let built = try runProcess(DatasetRecipe.vaderBuild, ["--out", out.path, "--layers", "all"])
        XCTAssertEqual(built.status, 0, built.stdout + built.stderr)
        return out
    }
}
