/// An x–y chart: lines with markers, error bars, shaded bands and horizontal reference lines, a legend
/// underneath. Renders to a self-contained `<svg>` element.
struct LineChart {
    /// One data series.
    struct Series {
        var name: String
        var color: String
        var points: [Point]
        /// A shaded band (x, lower, upper), drawn under the line.
        var band: [(x: Double, lower: Double, upper: Double)] = []
        var showLine = true
        var marker: Marker? = .circle
        var hollow = false
        var dash: String? = nil
        var lineWidth = 1.8
    }

    /// A data point, with an optional error bar.
    struct Point {
        var x: Double
        var y: Double
        var lower: Double? = nil
        var upper: Double? = nil
        /// A tooltip (SVG `<title>`).
        var note: String? = nil
    }

    /// A horizontal reference (the full-width decoder's metric), with an optional band.
    struct Reference {
        var name: String
        var y: Double
        var lower: Double? = nil
        var upper: Double? = nil
        var color: String
        var dash = "6 4"
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var series: [Series]
    var references: [Reference] = []
    var width = 600.0
    var plotHeight = 260.0
    var yIncludesZero = false
    var xIncludesZero = false
    /// A fixed x domain (e.g. 0...1 for kept fractions), else from the data.
    var xDomain: ClosedRange<Double>? = nil

    private let left = 62.0
    private let right = 18.0
    private let top = 34.0
    private let axisBottom = 44.0

    func render() -> String {
        let legend = legendLayout()
        let height = top + plotHeight + axisBottom + legend.height
        var canvas = SVGCanvas(width: width, height: height)
        let plotLeft = left
        let plotRight = width - right
        let plotTop = top
        let plotBottom = top + plotHeight

        var xs = series.flatMap { $0.points.map(\.x) + $0.band.map(\.x) }
        if let xDomain { xs += [xDomain.lowerBound, xDomain.upperBound] }
        var ys = series.flatMap { s in
            s.points.flatMap { [$0.y, $0.lower ?? $0.y, $0.upper ?? $0.y] } + s.band.flatMap { [$0.lower, $0.upper] }
        }
        ys += references.flatMap { [$0.y, $0.lower ?? $0.y, $0.upper ?? $0.y] }
        var xScale = AxisScale(
            covering: xs, targetTicks: 6, includeZero: xIncludesZero, pixelLower: plotLeft, pixelUpper: plotRight)
        if let xDomain, xs.allSatisfy({ xDomain.contains($0) }) {
            xScale.lower = xDomain.lowerBound
            xScale.upper = xDomain.upperBound
        }
        let yScale = AxisScale(
            covering: ys, targetTicks: 6, includeZero: yIncludesZero, pixelLower: plotBottom, pixelUpper: plotTop)

        // Frame, grid, ticks.
        canvas.rect(plotLeft, plotTop, plotRight - plotLeft, plotHeight, fill: "#fbfbfb", cssClass: "plot-area")
        for tick in yScale.ticks {
            let y = yScale.pixel(tick)
            canvas.line(plotLeft, y, plotRight, y, stroke: "#e3e3e3", width: 1, cssClass: "grid")
            canvas.text(plotLeft - 6, y + 3.5, yScale.label(tick), anchor: "end", size: 10.5, fill: "#444")
        }
        for tick in xScale.ticks {
            let x = xScale.pixel(tick)
            canvas.line(x, plotBottom, x, plotBottom + 4, stroke: "#666", width: 1)
            canvas.text(x, plotBottom + 16, xScale.label(tick), anchor: "middle", size: 10.5, fill: "#444")
        }
        canvas.line(plotLeft, plotBottom, plotRight, plotBottom, stroke: "#666", width: 1, cssClass: "axis")
        canvas.line(plotLeft, plotTop, plotLeft, plotBottom, stroke: "#666", width: 1, cssClass: "axis")
        canvas.text(plotLeft, 20, title, size: 13, weight: "600", fill: "#111", cssClass: "chart-title")
        canvas.text((plotLeft + plotRight) / 2, plotBottom + 34, xLabel, anchor: "middle", size: 11.5, fill: "#333")
        canvas.text(
            16, (plotTop + plotBottom) / 2, yLabel, anchor: "middle", size: 11.5, fill: "#333", rotate: -90)

        // References under the data.
        for reference in references {
            if let lower = reference.lower, let upper = reference.upper {
                canvas.rect(
                    plotLeft, yScale.pixel(upper), plotRight - plotLeft, yScale.pixel(lower) - yScale.pixel(upper),
                    fill: reference.color, opacity: 0.08)
            }
            let y = yScale.pixel(reference.y)
            canvas.line(
                plotLeft, y, plotRight, y, stroke: reference.color, width: 1.4, dash: reference.dash,
                cssClass: "reference")
        }
        // Bands, then lines and error bars, then markers on top.
        for item in series where item.band.count >= 2 {
            let upper = item.band.map { (xScale.pixel($0.x), yScale.pixel($0.upper)) }
            let lower = item.band.reversed().map { (xScale.pixel($0.x), yScale.pixel($0.lower)) }
            canvas.polygon(upper + lower, fill: item.color, opacity: 0.18)
        }
        for item in series {
            if item.showLine {
                canvas.polyline(
                    item.points.map { (xScale.pixel($0.x), yScale.pixel($0.y)) }, stroke: item.color,
                    width: item.lineWidth, dash: item.dash)
            }
            for point in item.points {
                guard let lower = point.lower, let upper = point.upper else { continue }
                let x = xScale.pixel(point.x)
                canvas.line(
                    x, yScale.pixel(lower), x, yScale.pixel(upper), stroke: item.color, width: 1.2,
                    cssClass: "error-bar")
                for y in [yScale.pixel(lower), yScale.pixel(upper)] {
                    canvas.line(x - 3, y, x + 3, y, stroke: item.color, width: 1.2)
                }
            }
        }
        for item in series {
            guard let marker = item.marker else { continue }
            for point in item.points {
                canvas.marker(
                    marker, xScale.pixel(point.x), yScale.pixel(point.y), color: item.color, hollow: item.hollow,
                    title: point.note)
            }
        }

        // Legend.
        for entry in legend.entries {
            let x = entry.x
            let y = plotBottom + axisBottom + entry.row * 18 + 8
            switch entry.kind {
            case .series(let item):
                if item.showLine || item.marker == nil {
                    canvas.line(x, y, x + 22, y, stroke: item.color, width: item.lineWidth, dash: item.dash)
                }
                if let marker = item.marker {
                    canvas.marker(marker, x + 11, y, color: item.color, hollow: item.hollow)
                }
            case .reference(let reference):
                canvas.line(x, y, x + 22, y, stroke: reference.color, width: 1.4, dash: reference.dash)
            }
            canvas.text(x + 28, y + 3.8, entry.name, size: 11, fill: "#333", cssClass: "legend-label")
        }
        return canvas.render(title: title)
    }

    private enum LegendKind {
        case series(Series)
        case reference(Reference)
    }

    private struct LegendEntry {
        var name: String
        var kind: LegendKind
        var x: Double
        var row: Double
    }

    /// Legend entries flowed left to right in rows under the x-axis label.
    private func legendLayout() -> (entries: [LegendEntry], height: Double) {
        var entries: [LegendEntry] = []
        var x = left
        var row = 0.0
        let items: [(String, LegendKind)] =
            series.filter { !$0.name.isEmpty }.map { ($0.name, .series($0)) }
            + references.map { ($0.name, .reference($0)) }
        for (name, kind) in items {
            let entryWidth = 28 + SVGCanvas.textWidth(name) + 18
            if x + entryWidth > width - right && x > left {
                x = left
                row += 1
            }
            entries.append(LegendEntry(name: name, kind: kind, x: x, row: row))
            x += entryWidth
        }
        return (entries, entries.isEmpty ? 0 : (row + 1) * 18 + 6)
    }
}
