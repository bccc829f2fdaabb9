/// A grouped bar chart with error bars and a zero line (bars may be negative), legend underneath.
///
/// Bars take their series' colour, or, when a series gives one colour per group (``Series/groupColors``),
/// the group's: then the groups carry the colour (e.g. the method, as in every other plot) and the series
/// are told apart by opacity, which the legend shows in grey.
struct BarChart {
    /// One bar per group.
    struct Series {
        var name: String
        var color: String
        /// One value per group (nil: no bar).
        var values: [Double?]
        /// One half-width error per group (nil: no error bar).
        var errors: [Double?]
        /// A colour per group overriding `color` (nil: every bar in `color`).
        var groupColors: [String]? = nil
        /// Fill opacity of this series' bars.
        var opacity = 1.0
    }

    var title: String
    var yLabel: String
    var groups: [String]
    var series: [Series]
    var width = 600.0
    var plotHeight = 230.0

    private let left = 62.0
    private let right = 18.0
    private let top = 34.0

    func render() -> String {
        let slot = (width - left - right) / Double(max(groups.count, 1))
        let longest = groups.map { SVGCanvas.textWidth($0, size: 10.5) }.max() ?? 0
        let rotate = longest > slot - 4
        let labelHeight = rotate ? min(longest * 0.64 + 12, 110) : 18
        let axisBottom = labelHeight + 12
        let legendRows = legendRowCount()
        let height = top + plotHeight + axisBottom + Double(legendRows) * 18 + 8
        var canvas = SVGCanvas(width: width, height: height)
        let plotLeft = left
        let plotRight = width - right
        let plotBottom = top + plotHeight

        var ys: [Double] = []
        for item in series {
            for (index, value) in item.values.enumerated() {
                guard let value else { continue }
                let error = index < item.errors.count ? item.errors[index] ?? 0 : 0
                ys += [value - error, value + error]
            }
        }
        let yScale = AxisScale(
            covering: ys, targetTicks: 6, includeZero: true, pixelLower: plotBottom, pixelUpper: top)

        canvas.rect(plotLeft, top, plotRight - plotLeft, plotHeight, fill: "#fbfbfb", cssClass: "plot-area")
        for tick in yScale.ticks {
            let y = yScale.pixel(tick)
            canvas.line(plotLeft, y, plotRight, y, stroke: tick == 0 ? "#555" : "#e3e3e3", width: 1, cssClass: "grid")
            canvas.text(plotLeft - 6, y + 3.5, yScale.label(tick), anchor: "end", size: 10.5, fill: "#444")
        }
        canvas.line(plotLeft, top, plotLeft, plotBottom, stroke: "#666", width: 1, cssClass: "axis")
        canvas.text(plotLeft, 20, title, size: 13, weight: "600", fill: "#111", cssClass: "chart-title")
        canvas.text(16, (top + plotBottom) / 2, yLabel, anchor: "middle", size: 11.5, fill: "#333", rotate: -90)

        let barCount = Double(max(series.count, 1))
        let barWidth = min(26, slot * 0.8 / barCount)
        let zero = yScale.pixel(0)
        for (groupIndex, group) in groups.enumerated() {
            let centre = plotLeft + slot * (Double(groupIndex) + 0.5)
            let start = centre - barWidth * barCount / 2
            for (seriesIndex, item) in series.enumerated() {
                guard groupIndex < item.values.count, let value = item.values[groupIndex] else { continue }
                let x = start + Double(seriesIndex) * barWidth
                let y = yScale.pixel(value)
                let colors = item.groupColors ?? []
                canvas.rect(
                    x + 0.5, min(y, zero), barWidth - 1, abs(zero - y),
                    fill: groupIndex < colors.count ? colors[groupIndex] : item.color, opacity: item.opacity,
                    cssClass: "bar", title: "\(group), \(item.name): \(Markup.number(value))")
                if groupIndex < item.errors.count, let error = item.errors[groupIndex], error > 0 {
                    let middle = x + barWidth / 2
                    canvas.line(
                        middle, yScale.pixel(value - error), middle, yScale.pixel(value + error), stroke: "#222",
                        width: 1.1, cssClass: "error-bar")
                    for end in [value - error, value + error] {
                        canvas.line(middle - 2.5, yScale.pixel(end), middle + 2.5, yScale.pixel(end), stroke: "#222")
                    }
                }
            }
            if rotate {
                canvas.text(centre + 3, plotBottom + 10, group, anchor: "end", size: 10.5, fill: "#333", rotate: -40)
            } else {
                canvas.text(centre, plotBottom + 15, group, anchor: "middle", size: 10.5, fill: "#333")
            }
        }

        var x = plotLeft
        var row = 0.0
        for item in series {
            let entryWidth = 18 + SVGCanvas.textWidth(item.name) + 18
            if x + entryWidth > plotRight && x > plotLeft {
                x = plotLeft
                row += 1
            }
            let y = plotBottom + axisBottom + row * 18 + 8
            canvas.rect(x, y - 5, 12, 10, fill: item.groupColors == nil ? item.color : "#555", opacity: item.opacity)
            canvas.text(x + 17, y + 3.8, item.name, size: 11, fill: "#333", cssClass: "legend-label")
            x += entryWidth
        }
        return canvas.render(title: title)
    }

    private func legendRowCount() -> Int {
        var x = left
        var rows = series.isEmpty ? 0 : 1
        for item in series {
            let entryWidth = 18 + SVGCanvas.textWidth(item.name) + 18
            if x + entryWidth > width - right && x > left {
                x = left
                rows += 1
            }
            x += entryWidth
        }
        return rows
    }
}
