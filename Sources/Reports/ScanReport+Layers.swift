import Foundation
import ScanModel

extension ScanReport {
    /// The layers of a layered scan: where each method's saliency sits (a layer × dimension heat map per
    /// method), which layer each method picks against the layer a decoder trains best on (the probe), how far
    /// the two rankings agree, the mix's learned weights, and how many dimensions each selection across layers
    /// takes from each layer. Nil for a scan of one layer, whose report stays as it was.
    func layersSection(_ context: ReportContext) -> ReportSection? {
        guard let analysis = results.layers, !analysis.layers.isEmpty else { return nil }
        var section = ReportSection(id: "layers", title: "Layers")
        let widths = analysis.layers.map(\.dimension)
        let sameWidth = Set(widths).count == 1
        section.intro =
            "This scan read \(analysis.layers.count) layers of the encoder ("
            + (sameWidth
                ? "\(widths[0]) dimensions each"
                : analysis.layers.map { "layer \($0.layer): \($0.dimension)" }.joined(separator: ", "))
            + "), side by side as \(context.dimension) columns. A method's layer score is the "
            + Self.layerScoreText(analysis.score) + " of its dimensions' scores in the layer; it picks the layer "
            + "with the highest. The probe is one decoder per whole layer, ranked by its dev "
            + "\(analysis.metric.uppercased()). A ratio across layers keeps that fraction of one layer's width."
        section.findings = layerFindings(analysis)
        if analysis.probe == nil, results.run.spec.layerSettings.probeEpochs > 0 {
            section.notes.append(context.unavailable("The probe decoders' metrics", phase: "grid"))
        }
        if context.includeFigures {
            section.figures += layerHeatMaps(analysis, context: context, section: &section)
            section.figures += layerCurves(analysis)
        }
        section.tables += layerTables(analysis)
        return section
    }

    /// `mean` → "mean"; `top:0.1` → "mean of the top 10 %".
    static func layerScoreText(_ spelling: String) -> String {
        guard spelling.hasPrefix("top:"), let fraction = Double(spelling.dropFirst(4)) else { return spelling }
        return "mean of the top \(Markup.percent(fraction))"
    }

    /// One sentence each: the probe's best layer, which methods agree with it, the mix's strongest layer, and
    /// the largest share one layer has in each method's first selection across layers.
    private func layerFindings(_ analysis: ScanResults.LayerAnalysis) -> [String] {
        var findings: [String] = []
        let metric = analysis.metric.uppercased()
        if let best = analysis.probeBestLayer, let probe = analysis.probe?.first(where: { $0.layer == best }) {
            findings.append(
                "The probe trains best on layer \(best): dev \(metric) \(Markup.number(probe.dev)), test "
                    + "\(Markup.number(probe.test)).")
            let agree = analysis.methods.filter { $0.bestLayer == best }.map(\.method.rawValue)
            let differ = analysis.methods.filter { $0.bestLayer != best }.map {
                "\($0.method.rawValue) picks layer \($0.bestLayer)"
            }
            var sentence =
                agree.isEmpty
                ? "No method picks it" : "\(agree.joined(separator: ", ")) pick\(agree.count == 1 ? "s" : "") it"
            if !differ.isEmpty { sentence += (agree.isEmpty ? ": " : "; ") + differ.joined(separator: ", ") }
            findings.append(sentence + ".")
        } else {
            findings.append(
                analysis.methods.map { "\($0.method.rawValue) picks layer \($0.bestLayer)" }.joined(separator: ", ")
                    + ".")
        }
        if let weights = analysis.mixWeights, let top = weights.indices.max(by: { weights[$0] < weights[$1] }),
            top < analysis.layers.count
        {
            findings.append(
                "The learned mix weighs layer \(analysis.layers[top].layer) most (\(Markup.number(weights[top], decimals: 3)); "
                    + "equal weights would be \(Markup.number(1 / Double(weights.count), decimals: 3))).")
        }
        for method in analysis.methods {
            guard let first = method.crossLayerCounts.first, first.k > 0,
                let top = first.counts.indices.max(by: { first.counts[$0] < first.counts[$1] }),
                top < analysis.layers.count
            else { continue }
            findings.append(
                "\(method.method.rawValue) \(first.rule.label) across layers takes \(first.counts[top]) of its "
                    + "\(first.k) dimensions from layer \(analysis.layers[top].layer).")
        }
        return findings
    }

    /// One heat map per method with scores, rows split by the layers' widths.
    private func layerHeatMaps(
        _ analysis: ScanResults.LayerAnalysis, context: ReportContext, section: inout ReportSection
    ) -> [ReportSection.Figure] {
        let widths = analysis.layers.map(\.dimension)
        let layerNumbers = analysis.layers.map(\.layer)
        var figures: [ReportSection.Figure] = []
        for method in analysis.methods {
            guard let curve = results.scoreCurve(method.method) else { continue }
            guard curve.mean.count == widths.reduce(0, +) else {
                section.notes.append(
                    "\(method.method.rawValue): \(curve.mean.count) scores for \(widths.reduce(0, +)) columns of the "
                        + "layers; its heat map is left out.")
                continue
            }
            var rows: [[Double]] = []
            var start = 0
            for width in widths {
                rows.append(Array(curve.mean[start..<(start + width)]))
                start += width
            }
            let name = "layers-heat-map-\(method.method.rawValue)"
            let map = LayerHeatMap(
                title: method.method.rawValue, quantity: curve.quantity, layers: layerNumbers, rows: rows,
                picked: layerNumbers.firstIndex(of: method.bestLayer),
                probeBest: analysis.probeBestLayer.flatMap { layerNumbers.firstIndex(of: $0) }, id: name)
            let (lower, upper) = map.range
            var caption =
                "\(method.method.rawValue): \(curve.quantity) of every dimension (columns) of every layer (rows, "
                + "first layer on top); viridis from \(Markup.number(lower)) (dark purple) to "
                + "\(Markup.number(upper)) (yellow). Filled triangle: the layer \(method.method.rawValue) picks "
                + "(\(method.bestLayer))"
            caption += analysis.probeBestLayer.map { "; hollow: the probe's best layer (\($0))." } ?? "."
            if map.pooling > 1 {
                caption += " Each pixel column is the highest of \(map.pooling) dimensions; the data file has each."
            }
            figures.append(.init(name: name, svg: map.render(), csv: map.csv(), caption: caption))
        }
        return figures
    }

    /// The layer scores per method (each divided by its highest, so methods share an axis) and the probe's
    /// dev and test metric per layer, both with the probe's best layer as a dashed vertical line.
    private func layerCurves(_ analysis: ScanResults.LayerAnalysis) -> [ReportSection.Figure] {
        let layers = analysis.layers.map { Double($0.layer) }
        let domain = (layers.min() ?? 0)...max(layers.max() ?? 1, (layers.min() ?? 0) + 1)
        // The probe's best layer as a vertical line: a two-point series from the bottom of the chart's
        // y-axis to its top (the axis as the other series set it, so the line does not move it).
        func withProbeLine(_ chart: LineChart) -> LineChart {
            guard let best = analysis.probeBestLayer else { return chart }
            let axis = chart.yScale(plotTop: 0, plotBottom: 1)
            var chart = chart
            chart.series.append(
                LineChart.Series(
                    name: "probe's best layer (dev)", color: Palette.black,
                    points: [.init(x: Double(best), y: axis.lower), .init(x: Double(best), y: axis.upper)],
                    marker: nil, dash: "4 3", lineWidth: 1.2))
            return chart
        }
        let series = analysis.methods.compactMap { method -> LineChart.Series? in
            guard let top = method.layerScores.map(abs).max(), top > 0, method.layerScores.count == layers.count
            else { return nil }
            return LineChart.Series(
                name: method.method.rawValue, color: Palette.color(method.method),
                points: zip(layers, method.layerScores).map { layer, score in
                    LineChart.Point(
                        x: layer, y: score / top,
                        note: "\(method.method.rawValue), layer \(Int(layer)): \(Markup.number(score))"
                            + (Int(layer) == method.bestLayer ? " (picked)" : ""))
                }, marker: Palette.marker(method.method))
        }
        var figures: [ReportSection.Figure] = []
        if !series.isEmpty {
            let chart = withProbeLine(
                LineChart(
                    title: "Layer score per layer, normalised", xLabel: "layer",
                    yLabel: "layer score / highest", series: series, width: 560, plotHeight: 230,
                    yIncludesZero: true, xDomain: domain))
            let picks = analysis.methods.map { "\($0.method.rawValue) \($0.bestLayer)" }.joined(separator: ", ")
            figures.append(
                .init(
                    name: "layers-scores", chart: chart,
                    caption: "Each method's layer score (\(Self.layerScoreText(analysis.score)) of its dimensions' "
                        + "scores) divided by its highest layer score, so 1 marks the layer it picks (\(picks))"
                        + (analysis.probeBestLayer.map { "; dashed black: the probe's best layer (\($0))." } ?? ".")
                        + " The data file has the ratios; the table below the raw scores."))
        }
        if let probe = analysis.probe, !probe.isEmpty {
            let metric = analysis.metric.uppercased()
            let probeSeries = [
                LineChart.Series(
                    name: "test \(metric)", color: Palette.black,
                    points: probe.map {
                        .init(
                            x: Double($0.layer), y: $0.test, note: "layer \($0.layer): test \(Markup.number($0.test))")
                    },
                    marker: .circle),
                LineChart.Series(
                    name: "dev \(metric)", color: Palette.grey,
                    points: probe.map {
                        .init(x: Double($0.layer), y: $0.dev, note: "layer \($0.layer): dev \(Markup.number($0.dev))")
                    },
                    marker: .square, hollow: true, dash: "5 3"),
            ]
            let epochs = results.run.spec.layerSettings.probeEpochs
            let chart = withProbeLine(
                LineChart(
                    title: "Probe decoder per layer", xLabel: "layer", yLabel: metric, series: probeSeries, width: 560,
                    plotHeight: 230, xDomain: domain))
            figures.append(
                .init(
                    name: "layers-probe", chart: chart,
                    caption: "A decoder trained on each whole layer (\(epochs) epochs): its test \(metric) (black) and "
                        + "dev \(metric) (grey, dashed, which ranks the layers), mean over "
                        + "\(probe.map(\.models).max() ?? 0) model(s) per layer."))
        }
        return figures
    }
}
