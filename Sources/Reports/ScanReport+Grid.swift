import Foundation
import ScanModel

extension ScanReport {
    /// Metric against kept fraction per method, mean ± std over seeds, with the full-width decoder and the
    /// random selection as references; one wide plot per label-variance mode, legend beside it.
    ///
    /// The y-axis covers the selection methods and the full-width decoder only: a random quarter of the
    /// dimensions can score far below them with a wide spread, and an axis stretched to cover it flattens
    /// every method into a sliver (issue 18: −0.2–1.0 for methods within 0.70–0.83). Random is still drawn
    /// where it fits; points below the axis are marked at its edge with their value, and the caption gives
    /// random's numbers. Captions say only what the plot draws.
    func keptFractionSection(_ context: ReportContext) -> ReportSection {
        var section = ReportSection(id: "kept-fraction", title: "Metric versus kept fraction")
        section.intro =
            "Test \(context.primary.label) of the decoder retrained on each selection, mean over seeds with ±1 "
            + "standard deviation."
        if context.summaries.isEmpty {
            section.notes.append(context.unavailable("Trained models", phase: "grid"))
            return section
        }
        let expected = expectedModelCount(context)
        if context.inProgress && results.models.count < expected {
            section.notes.append(
                "Partial: \(results.models.count) of \(expected) models have finished; the plots and tables show "
                    + "those, and a cell's seed count says how many of its seeds are in.")
        }
        for mode in context.modes where context.includeFigures {
            section.figures.append(keptFractionFigure(context, mode: mode))
        }
        section.tables += context.modes.map { headlineTable(context, mode: $0) }

        let targets = results.run.dataset.targets
        var columns: [ReportTable.Column] = [
            .init("method"), .init("rule"), .init("label variance"), .init("k", numeric: true),
            .init("kept", numeric: true), .init("seeds", numeric: true),
            .init("dev \(context.primary.rawValue)", numeric: true),
            .init("test \(context.primary.rawValue)", numeric: true),
            .init("± std", numeric: true),
        ]
        if targets.count > 1 {
            columns += targets.map { .init("test \($0)", numeric: true) }
        }
        columns += [.init("best seed (dev)", numeric: true), .init("its test", numeric: true)]
        let rows = context.summaries.map { summary -> [String] in
            var row = [
                summary.cell.method.rawValue, summary.cell.rule.label, summary.cell.labelVariance.rawValue,
                String(summary.k), Markup.number(context.keptFraction(summary.k), decimals: 3),
                String(summary.models.count), Markup.number(summary.metrics[context.devKey]?.mean),
                Markup.number(summary.metrics[context.testKey]?.mean),
                Markup.number(summary.metrics[context.testKey]?.std),
            ]
            if targets.count > 1 {
                for target in targets {
                    var key = context.testKey
                    key.target = target
                    row.append(Markup.number(summary.metrics[key]?.mean))
                }
            }
            row.append(summary.bestByDev.map { String($0.seed) } ?? "—")
            row.append(Markup.number(summary.bestByDev.flatMap { $0[context.testKey] }))
            return row
        }
        section.tables.append(
            ReportTable(
                id: "kept-fraction-table",
                caption: "Every grid cell over seeds: \(context.primary.label), mean and standard deviation (n − 1)",
                columns: columns, rows: rows, collapsed: rows.count > 24))
        return section
    }

    /// Methods by rules for one mode: test metric mean ± std over seeds, next to the full-width decoder.
    private func headlineTable(_ context: ReportContext, mode: ScanSpec.LabelVarianceMode) -> ReportTable {
        let cells = context.summaries.filter { $0.cell.labelVariance == mode }
        // Columns: the rules of the selection methods; `full` (and a layered scan's mix) as references beside
        // them. The per-layer probes (`layer3/full`) are in the Layers section.
        let rules = Array(Set(cells.filter { $0.cell.method != .full }.map(\.cell.rule))).sorted()
        let full = cells.first { $0.cell.method == .full && $0.cell.rule == .full }?.metrics[context.testKey]
        let mix = cells.first { $0.cell.method == .full && $0.cell.rule == .mix }?.metrics[context.testKey]
        func text(_ statistics: ScanResults.SeedStatistics?) -> String {
            guard let statistics else { return "—" }
            return Markup.number(statistics.mean) + (statistics.std.map { " ± " + Markup.number($0) } ?? "")
        }
        let methods = Array(Set(cells.map(\.cell.method).filter { $0 != .full })).sorted()
        let rows = methods.map { method -> [String] in
            [method.rawValue]
                + rules.map { rule in
                    text(cells.first { $0.cell.method == method && $0.cell.rule == rule }?.metrics[context.testKey])
                } + [text(full)] + (mix == nil ? [] : [text(mix)])
        }
        return ReportTable(
            id: "headline-\(mode.rawValue)",
            caption: "\(context.metricLabel(context.testKey)) by method and kept fraction, label variance "
                + "\(mode.rawValue): mean ± std over seeds, next to the full-width decoder",
            columns: [.init("method")] + rules.map { .init($0.label, numeric: true) }
                + [.init("full (all \(context.dimension))", numeric: true)]
                + (mix == nil ? [] : [.init("mix (all \(context.layerCount) layers)", numeric: true)]),
            rows: rows)
    }

    /// Metric against parameter count per method (mean over seeds), one plot per label-variance mode.
    func parametersSection(_ context: ReportContext) -> ReportSection {
        var section = ReportSection(id: "parameters", title: "Metric versus model size")
        section.intro =
            "Test \(context.primary.label) against the decoder's trainable parameters (PCA includes its D·k "
            + "projection), mean over seeds; the ratio is to the same decoder on all \(context.dimension) dimensions."
        if context.summaries.isEmpty {
            section.notes.append(context.unavailable("Trained models", phase: "grid"))
            return section
        }
        for mode in context.modes where context.includeFigures {
            let cells = context.summaries.filter { $0.cell.labelVariance == mode }
            var series: [LineChart.Series] = []
            for method in Set(cells.map(\.cell.method)).sorted() {
                let points = cells.filter { $0.cell.method == method }.compactMap { summary -> LineChart.Point? in
                    guard let statistics = summary.metrics[context.testKey] else { return nil }
                    return LineChart.Point(
                        x: summary.params.mean, y: statistics.mean,
                        note: "\(summary.cell): \(Markup.count(Int(summary.params.mean))) parameters, "
                            + Markup.number(statistics.mean))
                }.sorted { $0.x < $1.x }
                // Random leaves the axis to the methods, as in the kept-fraction plot.
                let isRandom = method.traits.selection == .random
                series.append(
                    LineChart.Series(
                        name: method.rawValue, color: Palette.color(method), points: points,
                        showLine: method != .full, marker: Palette.marker(method), dash: isRandom ? "5 4" : nil,
                        lineWidth: 1.2, keepsAxis: !isRandom))
            }
            let chart = LineChart(
                title: "Test \(context.primary.label) vs parameters — \(mode.rawValue)", xLabel: "trainable parameters",
                yLabel: "test \(context.primary.label)", series: series, width: 1100, plotHeight: 300, legend: .beside)
            let offAxis = chart.csv().contains(",false\n")
            section.figures.append(
                .init(
                    name: "parameters-\(mode.rawValue)", chart: chart,
                    caption: "Label variance \(mode.rawValue): each marker is one grid cell (mean over seeds)"
                        + (offAxis ? "; random points below the axis are marked at its edge with their value." : ".")))
        }
        let rows = context.summaries.map { summary -> [String] in
            [
                summary.cell.method.rawValue, summary.cell.rule.label, summary.cell.labelVariance.rawValue,
                String(summary.k), Markup.count(Int(summary.params.mean.rounded())),
                Markup.number(summary.paramsRatio.mean, decimals: 3),
                Markup.number(summary.metrics[context.testKey]?.mean),
                Markup.number(summary.secondsToBest.mean, decimals: 1),
                Markup.number(summary.secondsTotal.mean, decimals: 1),
            ]
        }
        section.tables.append(
            ReportTable(
                id: "parameters-table", caption: "Model size and training time per grid cell (means over seeds)",
                columns: [
                    .init("method"), .init("rule"), .init("label variance"), .init("k", numeric: true),
                    .init("params", numeric: true), .init("params ratio", numeric: true),
                    .init("test \(context.primary.rawValue)", numeric: true), .init("s to best", numeric: true),
                    .init("s total", numeric: true),
                ], rows: rows, collapsed: rows.count > 24))
        return section
    }
}
