import ScanModel

extension ScanReport {
    /// The layers section's tables: each method's pick against the probe's, the numbers per layer (layer
    /// scores, probe metrics, mix weights), and each selection across layers' dimensions per layer.
    func layerTables(_ analysis: ScanResults.LayerAnalysis) -> [ReportTable] {
        let metric = analysis.metric.uppercased()
        let probeBest = analysis.probeBestLayer
        var tables = [
            ReportTable(
                id: "layers-choice",
                caption:
                    "The layer each method picks (by its layer score, \(analysis.score)) and the probe's best layer "
                    + "(by dev \(metric)); ρ is Spearman's between the layer scores and the probe's dev and test \(metric)",
                columns: [
                    .init("method"), .init("picks layer", numeric: true), .init("its layer score", numeric: true),
                    .init("probe's best layer", numeric: true), .init("same"), .init("ρ with dev", numeric: true),
                    .init("ρ with test", numeric: true),
                ],
                rows: analysis.methods.map { method in
                    let index = analysis.layers.firstIndex { $0.layer == method.bestLayer }
                    return [
                        method.method.rawValue, String(method.bestLayer),
                        Markup.number(
                            index.flatMap { method.layerScores.indices.contains($0) ? method.layerScores[$0] : nil }),
                        probeBest.map(String.init) ?? "—",
                        probeBest.map { $0 == method.bestLayer ? "yes" : "no" } ?? "—",
                        Markup.number(method.spearmanWithProbe, decimals: 2),
                        Markup.number(method.spearmanWithProbeTest, decimals: 2),
                    ]
                })
        ]

        var columns: [ReportTable.Column] = [.init("layer", numeric: true), .init("width", numeric: true)]
        columns += analysis.methods.map { .init("\($0.method.rawValue) score", numeric: true) }
        let probe = analysis.probe ?? []
        if !probe.isEmpty {
            columns += [.init("probe dev \(metric)", numeric: true), .init("probe test \(metric)", numeric: true)]
        }
        if analysis.mixWeights != nil { columns.append(.init("mix weight", numeric: true)) }
        let rows = analysis.layers.enumerated().map { index, layer -> [String] in
            var row = [String(layer.layer), String(layer.dimension)]
            row += analysis.methods.map {
                $0.layerScores.indices.contains(index) ? Markup.number($0.layerScores[index]) : "—"
            }
            if !probe.isEmpty {
                let entry = probe.first { $0.layer == layer.layer }
                row += [Markup.number(entry?.dev), Markup.number(entry?.test)]
            }
            if let weights = analysis.mixWeights {
                row.append(weights.indices.contains(index) ? Markup.number(weights[index], decimals: 3) : "—")
            }
            return row
        }
        tables.append(
            ReportTable(
                id: "layers-table",
                caption: "Per layer: each method's layer score, the probe decoder's metrics (mean over its models)"
                    + (analysis.mixWeights == nil ? "" : " and the learned mix's softmax weight"),
                columns: columns, rows: rows, collapsed: rows.count > 30))

        let counted = analysis.methods.flatMap { method in method.crossLayerCounts.map { (method.method, $0) } }
        if !counted.isEmpty {
            tables.append(
                ReportTable(
                    id: "layers-cross-counts",
                    caption: "Selections across layers: how many of their k dimensions come from each layer",
                    columns: [.init("method"), .init("rule"), .init("k", numeric: true)]
                        + analysis.layers.map { .init("L\($0.layer)", numeric: true) }
                        + [.init("layers used", numeric: true)],
                    rows: counted.map { method, count in
                        [method.rawValue, count.rule.label, String(count.k)]
                            + analysis.layers.indices.map {
                                count.counts.indices.contains($0) ? String(count.counts[$0]) : "—"
                            }
                            + [String(count.counts.filter { $0 > 0 }.count)]
                    }))
        }
        return tables
    }
}
