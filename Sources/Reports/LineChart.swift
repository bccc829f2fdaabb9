/// An x–y chart: lines with markers, error bars, shaded bands and horizontal reference lines, with a legend
/// underneath or beside the plot. Renders to a self-contained `<svg>` element (also a standalone file).
///
/// A series can be left out of the y-axis range (``Series/keepsAxis``): an outlier such as a random
/// selection's wide error bar would otherwise stretch the axis until every other line is flat. Its drawing
/// is clipped to the plot area, and each of its points that falls outside is marked at the edge with its
/// value, so nothing is hidden without a trace.
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
        /// Whether the y-axis stretches to cover this series (false: clipped, outside points marked at the edge).
        var keepsAxis = true
        /// Stroke opacity of the line (many overlapping lines, e.g. learning curves of several seeds).
        var opacity = 1.0
        /// Whether the legend lists it (false: one entry stands for several series of the same look).
        var inLegend = true
        /// The legend's text when it differs from `name` (which names the series in the CSV).
        var legendLabel: String? = nil
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

    /// Where the legend goes: under the x-axis label, or in a column right of the plot (wide charts).
    enum LegendPlacement { case below, beside }

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
    var legend = LegendPlacement.below
    /// A name unique in the page (the figure's file name): the clip path's id derives from it.
    var id = "chart"
    /// A fixed width for the legend beside the plot (nil: as wide as its longest entry), so panels of small
    /// multiples keep one plot width whatever their legends say.
    var legendColumn: Double? = nil

    private let left = 62.0
    private let right = 18.0
    private let top = 34.0
    private let axisBottom = 44.0

    /// The y-axis: covering the series that keep the axis and the references (every series if none does).
    func yScale(plotTop: Double, plotBottom: Double) -> AxisScale {
        let anchored = series.filter(\.keepsAxis).contains { !$0.points.isEmpty } ? series.filter(\.keepsAxis) : series
        var ys = anchored.flatMap { s in
            s.points.flatMap { [$0.y, $0.lower ?? $0.y, $0.upper ?? $0.y] } + s.band.flatMap { [$0.lower, $0.upper] }
        }
        ys += references.flatMap { [$0.y, $0.lower ?? $0.y, $0.upper ?? $0.y] }
        return AxisScale(
            covering: ys, targetTicks: 6, includeZero: yIncludesZero, pixelLower: plotBottom, pixelUpper: plotTop)
    }

    /// The chart as an `<svg>` element; with `origin`, placed there inside a larger SVG (small multiples).
    func render(origin: (x: Double, y: Double)? = nil) -> String {
        let legend = legendLayout()
        let plotHeight = max(self.plotHeight, self.legend == .beside ? legend.height - 8 : 0)
        let height = top + plotHeight + axisBottom + (self.legend == .below ? legend.height : 0)
        var canvas = SVGCanvas(width: width, height: height)
        let plotLeft = left
        let plotRight = width - right - legend.width
        let plotTop = top
        let plotBottom = top + plotHeight

        var xs = series.flatMap { $0.points.map(\.x) + $0.band.map(\.x) }
        if let xDomain { xs += [xDomain.lowerBound, xDomain.upperBound] }
        var xScale = AxisScale(
            covering: xs, targetTicks: 6, includeZero: xIncludesZero, pixelLower: plotLeft, pixelUpper: plotRight)
        if let xDomain, xs.allSatisfy({ xDomain.contains($0) }) {
            xScale.lower = xDomain.lowerBound
            xScale.upper = xDomain.upperBound
        }
        let yScale = yScale(plotTop: plotTop, plotBottom: plotBottom)
        let clipID = "clip-" + id.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        let clipped = series.contains { !$0.keepsAxis }
        if clipped {
            canvas.raw(
                "<defs><clipPath id=\"\(clipID)\"><rect x=\"\(Markup.coordinate(plotLeft))\" "
                    + "y=\"\(Markup.coordinate(plotTop))\" width=\"\(Markup.coordinate(plotRight - plotLeft))\" "
                    + "height=\"\(Markup.coordinate(plotHeight))\"/></clipPath></defs>")
        }

        // Frame, grid, ticks.
        canvas.rect(plotLeft, plotTop, plotRight - plotLeft, plotHeight, fill: "#fbfbfb", cssClass: "plot-area")
        for tick in yScale.ticks {
            let y = yScale.pixel(tick)
            canvas.line(plotLeft, y, plotRight, y, stroke: "#e3e3e3", width: 1, cssClass: "grid")
            canvas.text(
                plotLeft - 6, y + 3.5, yScale.label(tick), anchor: "end", size: 10.5, fill: "#444", cssClass: "y-tick")
        }
        for tick in xScale.ticks {
            let x = xScale.pixel(tick)
            canvas.line(x, plotBottom, x, plotBottom + 4, stroke: "#666", width: 1)
            canvas.text(
                x, plotBottom + 16, xScale.label(tick), anchor: "middle", size: 10.5, fill: "#444", cssClass: "x-tick")
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
        // Bands, then lines and error bars, then markers on top; clipped when a series may leave the axis.
        if clipped { canvas.raw("<g clip-path=\"url(#\(clipID))\">") }
        for item in series where item.band.count >= 2 {
            let upper = item.band.map { (xScale.pixel($0.x), yScale.pixel($0.upper)) }
            let lower = item.band.reversed().map { (xScale.pixel($0.x), yScale.pixel($0.lower)) }
            canvas.polygon(upper + lower, fill: item.color, opacity: 0.18)
        }
        for item in series {
            if item.showLine {
                canvas.polyline(
                    item.points.map { (xScale.pixel($0.x), yScale.pixel($0.y)) }, stroke: item.color,
                    width: item.lineWidth, dash: item.dash, opacity: item.opacity)
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
            for point in item.points where yScale.contains(point.y) {
                canvas.marker(
                    marker, xScale.pixel(point.x), yScale.pixel(point.y), color: item.color, hollow: item.hollow,
                    title: point.note)
            }
        }
        if clipped { canvas.raw("</g>") }
        // Points of clipped series outside the axis: an arrowhead at the edge they left by, and their value.
        for item in series where !item.keepsAxis {
            for point in item.points where !yScale.contains(point.y) {
                let below = point.y < yScale.lower
                let x = xScale.pixel(point.x)
                let edge = below ? plotBottom - 2 : plotTop + 2
                let tip = edge
                let base = below ? edge - 8 : edge + 8
                canvas.raw(
                    "<polygon class=\"off-axis\" points=\"\(Markup.coordinate(x - 5)),\(Markup.coordinate(base)) "
                        + "\(Markup.coordinate(x + 5)),\(Markup.coordinate(base)) \(Markup.coordinate(x)),"
                        + "\(Markup.coordinate(tip))\" fill=\"\(item.color)\"><title>"
                        + Markup.escape(point.note ?? "\(item.name): \(Markup.number(point.y))")
                        + " (outside the axis)</title></polygon>")
                canvas.text(
                    x + 7, below ? base + 2 : base + 6, Markup.number(point.y, decimals: 2), size: 10,
                    fill: item.color, cssClass: "off-axis-label")
            }
        }

        for entry in legend.entries {
            let x = entry.x
            let y = (self.legend == .below ? plotBottom + axisBottom + 8 : plotTop + 8) + entry.row * 18
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
        return canvas.render(title: title, origin: origin)
    }

    /// The rendered height (the legend below adds rows; beside, a long legend makes the plot taller).
    var height: Double {
        let legend = legendLayout()
        let plotHeight = max(self.plotHeight, self.legend == .beside ? legend.height - 8 : 0)
        return top + plotHeight + axisBottom + (self.legend == .below ? legend.height : 0)
    }
}
