import Foundation

/// A layer × dimension heat map of one method's scores: rows are layers (first layer on top), columns the
/// dimensions within a layer, colour the score on ``Viridis`` from the lowest to the highest score, with a
/// colour bar that states the scale and both ends.
///
/// The cells are one palette PNG embedded in the SVG (`<image>`, data URI, drawn with `image-rendering:
/// pixelated` so every cell stays a sharp block); axes, labels, markers and the colour bar stay vector. At
/// 25 layers × 1024 dimensions that is one element of some tens of kB instead of 25,600 `<rect>`s.
/// Layers wider than ``maxColumns`` are max-pooled into pixel columns (a lone salient dimension stays
/// visible); the caption says so, and the CSV keeps every cell.
struct LayerHeatMap {
    /// What the map shows (the method), for the title.
    var title: String
    /// What the colour encodes (`mean |r| over targets`), for the colour bar.
    var quantity: String
    /// The layer numbers, one per row, top to bottom.
    var layers: [Int]
    /// Each layer's scores in dimension order (layers may differ in width; missing cells are grey).
    var rows: [[Double]]
    /// The row the method picks (a filled triangle right of it), and the row the probe trains best on
    /// (a hollow one).
    var picked: Int? = nil
    var probeBest: Int? = nil
    /// A name unique in the page: the colour bar's gradient id derives from it.
    var id = "heat-map"

    /// Pixel columns at most: 1024 dimensions are drawn one pixel each, wider layers pooled.
    static let maxColumns = 1024
    /// About this wide, the plot of a narrow layer (each dimension a block of whole pixels).
    static let targetPlotWidth = 900

    private let left = 46.0
    private let right = 26.0
    private let top = 32.0

    /// The widest layer's dimension count.
    var columns: Int { max(rows.map(\.count).max() ?? 1, 1) }
    /// Dimensions per pixel column (1 unless a layer is wider than ``maxColumns``).
    var pooling: Int { (columns + Self.maxColumns - 1) / Self.maxColumns }
    /// The finite scores' lowest and highest value (the colour scale's ends).
    var range: (lower: Double, upper: Double) {
        let finite = rows.joined().filter(\.isFinite)
        return (finite.min() ?? 0, finite.max() ?? 0)
    }

    /// The pixel grid: one row per layer, one column per `pooling` dimensions (their maximum), as palette
    /// indices into ``Viridis/palette``.
    func pixelGrid() -> (width: Int, height: Int, pixels: [UInt8]) {
        let width = (columns + pooling - 1) / pooling
        let (lower, upper) = range
        var pixels = [UInt8](repeating: Viridis.missingIndex, count: width * rows.count)
        for (row, scores) in rows.enumerated() {
            for column in 0..<width {
                let cell = scores[min(column * pooling, scores.count)..<min((column + 1) * pooling, scores.count)]
                guard let value = cell.filter(\.isFinite).max() else { continue }
                pixels[row * width + column] = Viridis.index(value, lower: lower, upper: upper)
            }
        }
        return (width, rows.count, pixels)
    }

    /// The pixel grid as a PNG file.
    func png() -> Data {
        let grid = pixelGrid()
        return PNGImage.indexed(width: grid.width, height: grid.height, pixels: grid.pixels, palette: Viridis.palette)
    }

    /// The plot's size in pixels: whole pixels per column and per row, so pixelated scaling draws every
    /// cell the same size.
    var plotSize: (width: Double, height: Double, cellWidth: Double, rowHeight: Double) {
        let pixelColumns = (columns + pooling - 1) / pooling
        let cellWidth = Double(max(1, Self.targetPlotWidth / pixelColumns))
        let rowHeight = Double(min(28, max(10, 320 / max(rows.count, 1))))
        return (cellWidth * Double(pixelColumns), rowHeight * Double(rows.count), cellWidth, rowHeight)
    }

    /// The `<svg>` element.
    func render() -> String {
        let size = plotSize
        let plotLeft = left
        let plotTop = top
        let plotBottom = top + size.height
        let plotRight = left + size.width
        let barTop = plotBottom + 50
        let height = barTop + 10 + 24
        var canvas = SVGCanvas(width: plotRight + right, height: height)
        let c = Markup.coordinate

        canvas.text(plotLeft, 20, title, size: 13, weight: "600", fill: "#111", cssClass: "chart-title")
        canvas.raw(
            "<image class=\"heat-map\" x=\"\(c(plotLeft))\" y=\"\(c(plotTop))\" width=\"\(c(size.width))\" "
                + "height=\"\(c(size.height))\" preserveAspectRatio=\"none\" image-rendering=\"optimizeSpeed\" "
                + "style=\"image-rendering: pixelated\" href=\"data:image/png;base64,"
                + png().base64EncodedString() + "\"/>")
        // One invisible band per layer whose tooltip summarises the row.
        for (row, scores) in rows.enumerated() {
            let finite = scores.enumerated().filter { $0.element.isFinite }
            let top = finite.max { $0.element < $1.element }
            let mean = finite.isEmpty ? nil : finite.map(\.element).reduce(0, +) / Double(finite.count)
            let tip =
                "layer \(layers[row]): \(scores.count) dimensions, mean \(Markup.number(mean)), max "
                + "\(Markup.number(top?.element)) at dimension \(top.map { String($0.offset) } ?? "—")"
            canvas.rect(
                plotLeft, plotTop + Double(row) * size.rowHeight, size.width, size.rowHeight, fill: "#fff",
                opacity: 0, cssClass: "layer-row", title: tip)
        }
        canvas.raw(
            "<rect x=\"\(c(plotLeft))\" y=\"\(c(plotTop))\" width=\"\(c(size.width))\" height=\"\(c(size.height))\" "
                + "fill=\"none\" stroke=\"#666\" stroke-width=\"1\"/>")

        // Layer labels: every layer when rows are tall enough for the text, else every second or more.
        let every = max(1, Int((11 / size.rowHeight).rounded(.up)))
        for (row, layer) in layers.enumerated() where row % every == 0 || row == picked {
            let y = plotTop + (Double(row) + 0.5) * size.rowHeight + 3.5
            canvas.text(
                plotLeft - 6, y, String(layer), anchor: "end", size: 10.5, weight: row == picked ? "700" : nil,
                fill: "#444", cssClass: "y-tick")
        }
        canvas.text(14, (plotTop + plotBottom) / 2, "layer", anchor: "middle", size: 11.5, fill: "#333", rotate: -90)
        // Dimension ticks at the centre of their cells.
        let step = max(1, Int(AxisScale.niceNumber(Double(columns) / 8, round: true)))
        for dimension in stride(from: 0, to: columns, by: step) {
            let x = plotLeft + (Double(dimension / pooling) + 0.5) * size.cellWidth
            canvas.line(x, plotBottom, x, plotBottom + 4, stroke: "#666")
            canvas.text(
                x, plotBottom + 15, String(dimension), anchor: "middle", size: 10.5, fill: "#444",
                cssClass: "x-tick")
        }
        canvas.text(
            (plotLeft + plotRight) / 2, plotBottom + 32, "dimension within the layer", anchor: "middle", size: 11.5,
            fill: "#333")
        // The picked layer (filled) and the probe's best layer (hollow), right of their rows.
        for (row, hollow) in [(picked, false), (probeBest, true)] {
            guard let row, row < rows.count else { continue }
            let y = plotTop + (Double(row) + 0.5) * size.rowHeight
            let x = plotRight + (hollow ? 15 : 5)
            canvas.raw(
                "<polygon class=\"\(hollow ? "probe-best" : "picked")\" points=\"\(c(x)),\(c(y)) \(c(x + 8)),"
                    + "\(c(y - 5)) \(c(x + 8)),\(c(y + 5))\" fill=\"\(hollow ? "#fff" : "#111")\" stroke=\"#111\" "
                    + "stroke-width=\"1.2\"><title>\(hollow ? "the probe's best layer (dev)" : "the layer picked")"
                    + ": \(layers[row])</title></polygon>")
        }
        renderColorBar(into: &canvas, left: plotLeft, top: barTop, width: min(320, max(size.width, 200)))
        return canvas.render(title: "\(title): \(quantity) per layer and dimension", cssClass: "chart heat-map-chart")
    }

    /// The colour bar: viridis as a vector gradient from the lowest score (left) to the highest, both ends
    /// labelled with their values, and the scale named beside it.
    private func renderColorBar(into canvas: inout SVGCanvas, left: Double, top: Double, width: Double) {
        let (lower, upper) = range
        let c = Markup.coordinate
        let gradient = "scale-" + id.map { $0.isLetter || $0.isNumber ? String($0) : "-" }.joined()
        let stops = Viridis.stops.enumerated().map { index, color in
            "<stop offset=\"\(c(Double(index) / Double(Viridis.stops.count - 1)))\" stop-color=\"\(color.hex)\"/>"
        }
        canvas.raw(
            "<defs><linearGradient id=\"\(gradient)\" x1=\"0\" x2=\"1\" y1=\"0\" y2=\"0\">" + stops.joined()
                + "</linearGradient></defs>")
        canvas.raw(
            "<rect class=\"color-bar\" x=\"\(c(left))\" y=\"\(c(top))\" width=\"\(c(width))\" height=\"10\" "
                + "fill=\"url(#\(gradient))\" stroke=\"#666\" stroke-width=\"0.6\"/>")
        canvas.text(left, top + 22, "min " + Markup.number(lower), size: 10.5, fill: "#333", cssClass: "scale-min")
        canvas.text(
            left + width, top + 22, "max " + Markup.number(upper), anchor: "end", size: 10.5, fill: "#333",
            cssClass: "scale-max")
        canvas.text(
            left + width + 12, top + 9, "\(quantity): viridis, linear from the lowest to the highest score",
            size: 10.5, fill: "#333", cssClass: "scale-label")
    }

    /// `layer,dimension,score`: every cell, at full precision (whatever the pooling of the image).
    func csv() -> String {
        var rows: [[String]] = []
        for (row, scores) in self.rows.enumerated() {
            for (dimension, score) in scores.enumerated() {
                rows.append([String(layers[row]), String(dimension), FigureData.value(score)])
            }
        }
        return FigureData.csv(header: ["layer", "dimension", "score"], rows: rows)
    }
}
