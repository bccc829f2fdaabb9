import Foundation
import ScanModel

extension ScanReport {
    /// The kept-fraction plot of one label-variance mode and a caption built from what it draws.
    func keptFractionFigure(_ context: ReportContext, mode: ScanSpec.LabelVarianceMode) -> ReportSection.Figure {
        let cells = context.summaries.filter { $0.cell.labelVariance == mode }
        var series: [LineChart.Series] = []
        var references: [LineChart.Reference] = []
        var said: [String] = []
        var randomPoints: [LineChart.Point] = []
        for method in Set(cells.map(\.cell.method)).sorted() {
            let mine = cells.filter { $0.cell.method == method }
            if method == .full {
                // A layered scan's `full` method also trains the mix and one probe per layer: the mix is a
                // second reference, the probes are in the Layers section.
                if let mix = mine.first(where: { $0.cell.rule == .mix }), let statistics = mix.metrics[context.testKey]
                {
                    references.append(
                        LineChart.Reference(
                            name: "mix (all \(context.layerCount) layers)", y: statistics.mean,
                            lower: statistics.std.map { statistics.mean - $0 },
                            upper: statistics.std.map { statistics.mean + $0 }, color: Palette.black, dash: "2 3"))
                    said.append(
                        "The dotted black line is the learned mix of the layers, " + Self.meanStd(statistics) + ".")
                }
                if let full = mine.first(where: { $0.cell.rule == .full }),
                    let statistics = full.metrics[context.testKey]
                {
                    references.append(
                        LineChart.Reference(
                            name: "full (all \(context.dimension))", y: statistics.mean,
                            lower: statistics.std.map { statistics.mean - $0 },
                            upper: statistics.std.map { statistics.mean + $0 }, color: Palette.black))
                    said.append(
                        "The dashed black line is the full-width decoder, " + Self.meanStd(statistics)
                            + (statistics.std == nil ? "." : " (band ±1 std)."))
                }
                continue
            }
            let isRandom = method.traits.selection == .random
            let ratioPoints = mine.filter { $0.cell.rule.ratio != nil }.compactMap { point($0, context) }
                .sorted { $0.x < $1.x }
            if !ratioPoints.isEmpty {
                series.append(
                    LineChart.Series(
                        name: method.rawValue, color: Palette.color(method), points: ratioPoints,
                        marker: Palette.marker(method), dash: isRandom ? "5 4" : nil, keepsAxis: !isRandom))
                if isRandom { randomPoints += ratioPoints }
            }
            let thresholdPoints = mine.filter { $0.cell.rule.threshold != nil }.compactMap { point($0, context) }
            if !thresholdPoints.isEmpty {
                series.append(
                    LineChart.Series(
                        name: "\(method.rawValue) thresholds", color: Palette.color(method),
                        points: thresholdPoints, showLine: false, marker: Palette.marker(method), hollow: true,
                        keepsAxis: !isRandom))
            }
        }
        var chart = LineChart(
            title: "\(context.metricLabel(context.testKey)) vs kept fraction — \(mode.rawValue)",
            xLabel: "kept fraction k / D", yLabel: "test \(context.primary.label)", series: series,
            references: references, width: 1100, plotHeight: 340, xDomain: 0...1, legend: .beside)
        chart.id = "kept-fraction-\(mode.rawValue)"
        var caption =
            "Label variance \(mode.rawValue): \(context.metricLabel(context.testKey)), mean ± std over seeds, "
            + "against the fraction of the \(context.dimension) dimensions kept."
        if let layers = results.layers?.layers, layers.count > 1 {
            caption +=
                " D counts the columns of all \(layers.count) layers; a ratio keeps that fraction of one layer's width "
                + "(\(Set(layers.map(\.dimension)).sorted().map(String.init).joined(separator: " or "))), taken across "
                + "layers, so it sits at ratio ÷ \(layers.count) here. Selections within one layer are in the tables "
                + "and the Layers section."
        }
        if series.contains(where: { $0.hollow }) {
            caption += " Filled markers: top-ratio selections; hollow: threshold rules."
        }
        caption += said.map { " " + $0 }.joined()
        if !randomPoints.isEmpty {
            let axis = chart.yScale(plotTop: 0, plotBottom: 1)
            let outside = randomPoints.filter { !axis.contains($0.y) }.count
            let values = randomPoints.map { "\(Markup.number($0.x, decimals: 2)): \(randomValue($0))" }
            caption +=
                " Random selections of the same size (grey, dashed) score \(values.joined(separator: "; "))"
                + (outside > 0
                    ? "; the axis covers the other methods, so \(outside) random point\(outside == 1 ? " is" : "s are") "
                        + "marked at its edge with the value."
                    : ".")
        }
        return ReportSection.Figure(name: "kept-fraction-\(mode.rawValue)", chart: chart, caption: caption)
    }

    /// `0.16 ± 0.19`, from a plotted point's error bar.
    private func randomValue(_ point: LineChart.Point) -> String {
        let std = point.upper.map { $0 - point.y }
        return Markup.number(point.y, decimals: 3)
            + (std.map { $0 > 0 ? " ± " + Markup.number($0, decimals: 3) : "" } ?? "")
    }

    /// A grid cell as a plotted point: mean with ±1 std (none with a single seed).
    func point(_ summary: ScanResults.SeedSummary, _ context: ReportContext) -> LineChart.Point? {
        guard let statistics = summary.metrics[context.testKey] else { return nil }
        let spread = statistics.std ?? 0
        return LineChart.Point(
            x: context.keptFraction(summary.k), y: statistics.mean, lower: statistics.mean - spread,
            upper: statistics.mean + spread,
            note: "\(summary.cell): \(Markup.number(statistics.mean)) ± \(Markup.number(statistics.std))")
    }
}
