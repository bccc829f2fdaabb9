import Foundation
import ScanModel

extension ScanReport {
    /// Opacities that tell distorted conditions apart within a method's colour, in condition order.
    static let conditionOpacities = [1.0, 0.5, 0.25, 0.12]

    /// The drop bars of one label-variance mode: one group per grid cell, threshold rules included, coloured
    /// by method as every other plot; one bar per distorted condition, told apart by opacity.
    ///
    /// A cell that keeps all D dimensions trains the full-width decoder whatever its method (ratio 1.0 of
    /// `ccs`, `mis`, …), so its bars would repeat `full`'s: such cells are drawn once, as `full` (or as the
    /// first of them when the scan has no `full`), and the caption says so; the table keeps every cell.
    func robustnessFigure(
        _ context: ReportContext, summaries: [ScanResults.RobustnessSummary], distorted: [String],
        mode: ScanSpec.LabelVarianceMode
    ) -> ReportSection.Figure? {
        let mine = summaries.filter { $0.cell.labelVariance == mode }
        // Cells within one layer (`L3 25%`, the probes `L3 all`) would add a group per layer and method: the
        // figure keeps the selections across layers, the best layer and the mix; the table has every cell.
        let all = Array(Set(mine.map(\.cell))).sorted().filter { $0.rule.layer == nil }
        let perLayer = Set(mine.map(\.cell).filter { $0.rule.layer != nil }).count
        let fullWidth = all.filter { context.isFullWidth($0) }
        let kept = fullWidth.first { $0.method == .full } ?? fullWidth.first
        let cells = all.filter { !fullWidth.contains($0) || $0 == kept }
        guard !cells.isEmpty else { return nil }
        let conditions = distorted.filter { condition in mine.contains { $0.condition == condition } }
        let colors = cells.map { Palette.color($0.method) }
        let series = conditions.enumerated().map { index, condition in
            BarChart.Series(
                name: condition, color: Palette.grey,
                values: cells.map { cell in mine.first { $0.cell == cell && $0.condition == condition }?.drop.mean },
                errors: cells.map { cell in mine.first { $0.cell == cell && $0.condition == condition }?.drop.std },
                groupColors: colors, opacity: Self.conditionOpacities[index % Self.conditionOpacities.count])
        }
        let groupWidth = Double(conditions.count) * 9 + 10
        let chart = BarChart(
            title: "Drop in test \(context.primary.label) on distorted conditions — \(mode.rawValue)",
            yLabel: "distorted − clean",
            groups: cells.map { context.cellLabel($0) },
            series: series, width: min(1100, max(700, 80 + Double(cells.count) * groupWidth * 2)))
        var caption =
            "Label variance \(mode.rawValue): per method and selection rule (bars in the method's colour), one bar "
            + "per condition ("
            + conditions.enumerated().map { index, condition in
                let opacity = Self.conditionOpacities[index % Self.conditionOpacities.count]
                return "\(condition) \(opacity == 1 ? "solid" : "at \(Int(opacity * 100)) % opacity")"
            }.joined(separator: ", ") + "), mean ± std over seeds."
        if fullWidth.count > 1, let kept {
            caption +=
                " The \(fullWidth.count) cells that keep all \(context.dimension) dimensions train the same "
                + "full-width decoder; they are drawn once, as \(kept.method == .full ? "full" : kept.method.rawValue)."
        }
        if perLayer > 0 {
            caption += " The \(perLayer) cells within one layer are in the table, not drawn."
        }
        return ReportSection.Figure(name: "robustness-\(mode.rawValue)", chart: chart, caption: caption)
    }
}
