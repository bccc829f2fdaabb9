import Foundation
import ScanModel

extension ScanReport {
    /// Distorted-condition drops (distorted minus clean, on the same utterances) per grid cell, and label
    /// variance on versus off.
    func robustnessSection(_ context: ReportContext) -> ReportSection {
        var section = ReportSection(id: "robustness", title: "Robustness to distorted conditions")
        section.intro =
            "Test \(context.primary.label) on each distorted condition minus clean, over the same utterances, mean "
            + "over seeds with ±1 standard deviation; negative means the distortion hurts."
        let distorted = results.run.dataset.conditions.filter { $0 != "clean" }
        if distorted.isEmpty {
            section.notes.append("The dataset has no distorted conditions, so there is nothing to compare.")
            return section
        }
        let summaries = results.robustnessSummaries(split: .test, metric: context.primary)
        if summaries.isEmpty {
            section.notes.append(context.unavailable("Distorted-condition metrics", phase: "grid"))
            return section
        }
        if summaries.contains(where: { !$0.sameUtterances }) {
            section.notes.append(
                "Some clean values were measured on the whole test split, not on the distorted condition's own "
                    + "utterances (marked \"no\" below).")
        }
        for mode in context.modes where context.includeFigures {
            if let figure = robustnessFigure(context, summaries: summaries, distorted: distorted, mode: mode) {
                section.figures.append(figure)
            }
        }
        let rows = summaries.map { summary -> [String] in
            [
                summary.cell.method.rawValue, summary.cell.rule.label, summary.cell.labelVariance.rawValue,
                summary.condition, Markup.number(summary.clean.mean), Markup.number(summary.distorted.mean),
                Markup.signed(summary.drop.mean), Markup.number(summary.drop.std), String(summary.drop.count),
                summary.sameUtterances ? "yes" : "no",
            ]
        }
        section.tables.append(
            ReportTable(
                id: "robustness-table", caption: "Drops per grid cell and condition (test, over seeds)",
                columns: [
                    .init("method"), .init("rule"), .init("label variance"), .init("condition"),
                    .init("clean", numeric: true), .init("distorted", numeric: true), .init("drop", numeric: true),
                    .init("± std", numeric: true), .init("seeds", numeric: true), .init("same utterances"),
                ], rows: rows, collapsed: rows.count > 24))
        return section
    }

    func labelVarianceSection(_ context: ReportContext) -> ReportSection {
        var section = ReportSection(id: "label-variance", title: "Label variance on versus off")
        section.intro =
            "The same selection trained with each label-variance mode (std-aux: the raters' spread as an auxiliary "
            + "target; nll, distribution, weighted: docs/label-variance.md) and without (off): test "
            + "\(context.primary.label), mean over seeds with ±1 standard deviation."
        let comparisons = results.labelVarianceComparisons(key: context.testKey)
        if comparisons.isEmpty {
            let asked = results.run.spec.training.labelVariance ?? []
            if asked.count >= 2 && context.inProgress {
                section.notes.append(context.unavailable("Models of both modes", phase: "grid"))
            } else if asked.count >= 2 {
                section.notes.append("No grid cell finished in both modes.")
            } else {
                section.notes.append(
                    "This scan trained one mode only; list both in training.label_variance = [\"std-aux\", \"off\"] "
                        + "to compare.")
            }
            return section
        }
        let modes = comparisons.map(\.mode).reduce(into: [ScanSpec.LabelVarianceMode]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        if context.includeFigures {
            // Cells on all D dimensions are the full-width decoder whatever their method: drawn once, as `full`.
            // Cells within one layer are left to the table, as in the robustness figure.
            let shown = comparisons.filter {
                $0.rule.layer == nil
                    && !(context.isFullWidth(.init(method: $0.method, rule: $0.rule, labelVariance: $0.mode))
                        && $0.method != .full)
            }
            var cells: [(method: ScanSpec.Method, rule: ScanResults.SelectionRule)] = []
            for comparison in shown where !cells.contains(where: { $0 == (comparison.method, comparison.rule) }) {
                cells.append((comparison.method, comparison.rule))
            }
            func find(
                _ cell: (method: ScanSpec.Method, rule: ScanResults.SelectionRule), _ mode: ScanSpec.LabelVarianceMode
            )
                -> ScanResults.LabelVarianceComparison?
            {
                shown.first { $0.method == cell.method && $0.rule == cell.rule && $0.mode == mode }
            }
            let off = cells.map { cell in modes.lazy.compactMap { find(cell, $0)?.off }.first }
            var series = modes.map { mode in
                BarChart.Series(
                    name: mode.rawValue, color: Palette.color(mode),
                    values: cells.map { find($0, mode)?.on.mean ?? .nan },
                    errors: cells.map { find($0, mode)?.on.std ?? 0 })
            }
            series.append(
                BarChart.Series(
                    name: "off", color: Palette.color(.off), values: off.map { $0?.mean ?? .nan },
                    errors: off.map { $0?.std ?? 0 }))
            let groupWidth = Double(series.count) * 9 + 10.0
            let chart = BarChart(
                title: "Test \(context.primary.label): label-variance modes vs off",
                yLabel: "test \(context.primary.label)",
                groups: cells.map { context.cellLabel(.init(method: $0.method, rule: $0.rule, labelVariance: .off)) },
                series: series,
                width: min(1160, max(600, 80 + Double(cells.count) * groupWidth)))
            section.figures.append(
                .init(
                    name: "label-variance", chart: chart,
                    caption: "Per method and selection rule: "
                        + modes.map { "\($0.rawValue) (\(Palette.name(of: Palette.color($0))))" }.joined(
                            separator: ", ")
                        + " and off (orange)."
                        + (comparisons.contains {
                            context.isFullWidth(.init(method: $0.method, rule: $0.rule, labelVariance: $0.mode))
                                && $0.method != .full
                        }
                            ? " Cells that keep all \(context.dimension) dimensions are drawn once, as full; the table "
                                + "has each." : "")
                        + (comparisons.contains { $0.rule.layer != nil }
                            ? " Cells within one layer are in the table only." : "")))
        }
        let rows = comparisons.map { comparison -> [String] in
            [
                comparison.method.rawValue, comparison.rule.label, comparison.mode.rawValue,
                Markup.number(comparison.on.mean), Markup.number(comparison.on.std), Markup.number(comparison.off.mean),
                Markup.number(comparison.off.std), Markup.signed(comparison.difference),
            ]
        }
        section.tables.append(
            ReportTable(
                id: "label-variance-table",
                caption: "Each label-variance mode versus off per method and rule (test, over seeds)",
                columns: [
                    .init("method"), .init("rule"), .init("mode"), .init("mode value", numeric: true),
                    .init("± std", numeric: true), .init("off", numeric: true), .init("± std", numeric: true),
                    .init("difference", numeric: true),
                ], rows: rows))
        return section
    }

    func selectionsSection(_ context: ReportContext) -> ReportSection {
        var section = ReportSection(id: "selections", title: "Selections")
        section.intro = "The dimensions each selection kept (ascending; PCA keeps its leading components)."
        if results.selections.isEmpty {
            section.notes.append(context.unavailable("Selections", phase: "selections"))
            return section
        }
        let ordered = results.selections.sorted {
            ($0.method, $0.rule, $0.seed ?? -1) < ($1.method, $1.rule, $1.seed ?? -1)
        }
        section.tables.append(
            ReportTable(
                id: "selections-table", caption: "Every selection and its indices",
                columns: [
                    .init("method"), .init("rule"), .init("seed", numeric: true), .init("k", numeric: true),
                    .init("kept", numeric: true), .init("indices"),
                ],
                rows: ordered.map { selection in
                    [
                        selection.method.rawValue, selection.rule.label, selection.seed.map(String.init) ?? "—",
                        String(selection.k), Markup.number(context.keptFraction(selection.k), decimals: 3),
                        selection.indices.map(String.init).joined(separator: " "),
                    ]
                }, collapsed: true))
        return section
    }

    func modelsSection(_ context: ReportContext) -> ReportSection {
        var section = ReportSection(id: "models", title: "Every trained model")
        section.intro =
            "One row per model with its dev and test \(context.primary.label) (clean, averaged over targets); every "
            + "metric per split, condition and target is in results.csv."
        if results.models.isEmpty {
            section.notes.append(context.unavailable("Trained models", phase: "grid"))
            return section
        }
        let models = results.models.sorted { $0.cell != $1.cell ? $0.cell < $1.cell : $0.seed < $1.seed }
        section.tables.append(
            ReportTable(
                id: "models-table", caption: "Every trained model",
                columns: [
                    .init("method"), .init("rule"), .init("k", numeric: true), .init("seed", numeric: true),
                    .init("label variance"), .init("dev \(context.primary.rawValue)", numeric: true),
                    .init("test \(context.primary.rawValue)", numeric: true), .init("params", numeric: true),
                    .init("params ratio", numeric: true), .init("s to best", numeric: true),
                    .init("s total", numeric: true), .init("best epoch", numeric: true), .init("epochs", numeric: true),
                    .init("converged"), .init("model"),
                ],
                rows: models.map { model in
                    [
                        model.method.rawValue, model.rule.label, String(model.k), String(model.seed),
                        model.labelVariance.rawValue, Markup.number(model[context.devKey]),
                        Markup.number(model[context.testKey]), Markup.count(model.params),
                        Markup.number(model.paramsRatio, decimals: 3), Markup.number(model.secondsToBest, decimals: 1),
                        Markup.number(model.secondsTotal, decimals: 1), String(model.bestEpoch),
                        String(model.epochsTrained),
                        model.reachedBestAtLastEpoch ? "no — best at last epoch" : "yes",
                        (model.modelPath ?? "—") + (model.sameModelAs.map { " (the model of \($0))" } ?? ""),
                    ]
                }, collapsed: true))
        return section
    }
}
