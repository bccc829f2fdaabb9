extension LineChart {
    enum LegendKind {
        case series(Series)
        case reference(Reference)
    }

    struct LegendEntry {
        var name: String
        var kind: LegendKind
        /// Left edge of the entry's swatch.
        var x: Double
        /// Row, 0-based, 18 px apart.
        var row: Double
    }

    /// The legend's entries (series with a name, then references) and the room they take: below, flowed
    /// left to right in rows across the plot's width (`height`); beside, one entry per row in a column right
    /// of the plot (`width`, and `height` so the plot can grow to fit a long legend).
    func legendLayout() -> (entries: [LegendEntry], width: Double, height: Double) {
        let items: [(String, LegendKind)] =
            series.filter { !$0.name.isEmpty && $0.inLegend }.map { ($0.legendLabel ?? $0.name, .series($0)) }
            + references.map { ($0.name, .reference($0)) }
        guard !items.isEmpty else { return ([], legend == .beside ? legendColumn ?? 0 : 0, 0) }
        let plotLeft = 62.0
        let right = 18.0
        switch legend {
        case .beside:
            let column = legendColumn ?? (28 + (items.map { SVGCanvas.textWidth($0.0) }.max() ?? 0) + 12)
            let x = width - right - column + 16
            let entries = items.enumerated().map { LegendEntry(name: $1.0, kind: $1.1, x: x, row: Double($0)) }
            return (entries, column, Double(items.count) * 18 + 8)
        case .below:
            var entries: [LegendEntry] = []
            var x = plotLeft
            var row = 0.0
            for (name, kind) in items {
                let entryWidth = 28 + SVGCanvas.textWidth(name) + 18
                if x + entryWidth > width - right && x > plotLeft {
                    x = plotLeft
                    row += 1
                }
                entries.append(LegendEntry(name: name, kind: kind, x: x, row: row))
                x += entryWidth
            }
            return (entries, 0, (row + 1) * 18 + 6)
        }
    }
}
