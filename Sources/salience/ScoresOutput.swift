import Foundation
import Saliency
import Scan
import ScanModel
import Scoring
import Shards

/// The files `salience scores` writes: the per-dimension CSV and PCA's pca.csv.
enum ScoresOutput {
    /// `dim`, then per method `<method>` (mean over targets) and `<method>.<target>`; one row per dimension.
    /// Numbers are written in Swift's shortest round-trip form. A method with bootstrap replicates adds
    /// `<method>.se`, `.ci_low`, `.ci_high` and `.p_stable` (see ``confidenceColumns(_:)``).
    ///
    /// For a layered dataset each row is a (layer, dimension) pair: `dim` stays the column index across the
    /// layers side by side (what `select` and `train --dims` take), followed by `layer` and `layer_dim`.
    static func writeScores(_ result: ScoresResult, to url: URL) throws {
        let layerColumns = result.layers.map { LayerColumns($0) }
        var header = ["dim"] + (layerColumns == nil ? [] : ["layer", "layer_dim"])
        var extra = [String: [[Double]]]()
        for scores in result.scores {
            header.append(scores.method)
            header += result.targets.map { "\(scores.method).\($0)" }
            if let replicates = result.replicates.first(where: { $0.method == scores.method }) {
                let columns = try confidenceColumns(replicates)
                header += columns.map { "\(scores.method).\($0.name)" }
                extra[scores.method] = columns.map(\.values)
            }
        }
        var lines = [header.joined(separator: ",")]
        let means = result.scores.map(\.mean)
        for dimension in 0..<result.dimension {
            var row = ["\(dimension)"]
            if let layerColumns {
                let address = layerColumns.address(ofColumn: dimension)
                row += ["\(address.layer)", "\(address.dimension)"]
            }
            for (index, scores) in result.scores.enumerated() {
                row.append(number(means[index][dimension]))
                row += scores.perTarget.map { number($0[dimension]) }
                row += (extra[scores.method] ?? []).map { number($0[dimension]) }
            }
            lines.append(row.joined(separator: ","))
        }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// `component,eigenvalue,explained_ratio,cumulative`, components numbered from 0.
    static func writePCA(_ pca: PrincipalComponents, csv url: URL) throws {
        var lines = ["component,eigenvalue,explained_ratio,cumulative"]
        let ratio = pca.explainedRatio
        let cumulative = pca.cumulativeRatio
        for component in pca.eigenvalues.indices {
            lines.append(
                "\(component),\(number(pca.eigenvalues[component])),\(number(ratio[component])),"
                    + number(cumulative[component]))
        }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    static func number(_ value: Double) -> String { "\(value)" }

    /// `layers.csv` of a layered dataset: per layer its width and, per method, the mean of its dimensions'
    /// scores and the mean of its top 10 % (the scan's default layer score), then the layer's rank by it.
    static func writeLayers(_ result: ScoresResult, to url: URL) throws {
        guard let layers = result.layers else { return }
        let columns = LayerColumns(layers)
        var header = ["layer", "dimension"]
        var rows = layers.map { ["\($0.layer)", "\($0.dimension)"] }
        for scores in result.scores {
            header += ["\(scores.method).mean", "\(scores.method).top10_mean", "\(scores.method).rank"]
            let top = layers.indices.map { position -> Double in
                let slice = scores.mean[columns.columns(ofPosition: position)].sorted(by: >)
                let k = max(1, slice.count / 10)
                return slice.prefix(k).reduce(0, +) / Double(k)
            }
            let order = top.indices.sorted { top[$0] > top[$1] || (top[$0] == top[$1] && $0 < $1) }
            for position in layers.indices {
                let slice = scores.mean[columns.columns(ofPosition: position)]
                let mean = slice.reduce(0, +) / Double(slice.count)
                rows[position] += [number(mean), number(top[position]), "\(order.firstIndex(of: position)! + 1)"]
            }
        }
        let text = ([header] + rows).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Per dimension: the bootstrap standard error, the 95 % percentile interval, and the selection
    /// probability of the rule `stable:π` is made from (`Selection.stableBaseRule`).
    static func confidenceColumns(_ replicates: ScoreReplicates) throws -> [(name: String, values: [Double])] {
        let (low, high) = replicates.intervals()
        return [
            ("se", replicates.standardErrors), ("ci_low", low), ("ci_high", high),
            ("p_stable", try replicates.selectionProbabilities(Selection.stableBaseRule)),
        ]
    }

    /// The confidence of a scores job's replicates under the top `ratios` and the mean rule, every scored
    /// method in the agreement.
    static func confidence(_ result: ScoresResult, settings: BootstrapSettings, ratios: [Double]) throws
        -> ScanResults.Confidence
    {
        var replicates = [ScanSpec.Method: ScoreReplicates]()
        var points = [(ScanSpec.Method, [Double])]()
        for scores in result.scores {
            guard let method = ScanSpec.Method(rawValue: scores.method) else { continue }
            points.append((method, scores.mean))
            if let bootstrap = result.replicates.first(where: { $0.method == scores.method }) {
                replicates[method] = bootstrap
            }
        }
        return try ConfidenceAssembly.confidence(
            replicates: replicates, points: points,
            rules: ConfidenceAssembly.rules(ratios: ratios, thresholds: [.mean]), settings: settings,
            notCovered: ScanSpec.Method.bootstrapGaps(points.map(\.0).filter { replicates[$0] == nil }))
    }

    /// confidence.json: ``ScanResults/Confidence`` as results.json writes it.
    static func writeConfidence(_ confidence: ScanResults.Confidence, to url: URL) throws {
        try ScanResults.makeEncoder().encode(confidence).write(to: url)
    }
}
