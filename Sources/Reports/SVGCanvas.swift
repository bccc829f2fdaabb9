/// A marker drawn at a data point.
enum Marker {
    case circle, square, diamond, triangle, invertedTriangle, cross
}

/// Collects SVG elements as text; every string from data goes through ``Markup/escape(_:)``.
struct SVGCanvas {
    let width: Double
    let height: Double
    private(set) var body: [String] = []

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    private static func c(_ value: Double) -> String { Markup.coordinate(value) }

    mutating func raw(_ element: String) { body.append(element) }

    mutating func line(
        _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, width: Double = 1,
        dash: String? = nil, cssClass: String? = nil
    ) {
        let dashAttribute = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        let classAttribute = cssClass.map { " class=\"\($0)\"" } ?? ""
        body.append(
            "<line x1=\"\(Self.c(x1))\" y1=\"\(Self.c(y1))\" x2=\"\(Self.c(x2))\" y2=\"\(Self.c(y2))\" "
                + "stroke=\"\(stroke)\" stroke-width=\"\(Self.c(width))\"\(dashAttribute)\(classAttribute)/>")
    }

    mutating func polyline(
        _ points: [(Double, Double)], stroke: String, width: Double = 1.8, dash: String? = nil, opacity: Double = 1
    ) {
        guard points.count >= 2 else { return }
        let list = points.map { "\(Self.c($0.0)),\(Self.c($0.1))" }.joined(separator: " ")
        let dashAttribute = dash.map { " stroke-dasharray=\"\($0)\"" } ?? ""
        let opacityAttribute = opacity < 1 ? " stroke-opacity=\"\(Self.c(opacity))\"" : ""
        body.append(
            "<polyline class=\"series-line\" points=\"\(list)\" fill=\"none\" stroke=\"\(stroke)\" "
                + "stroke-width=\"\(Self.c(width))\" stroke-linejoin=\"round\" stroke-linecap=\"round\""
                + "\(dashAttribute)\(opacityAttribute)/>")
    }

    mutating func polygon(_ points: [(Double, Double)], fill: String, opacity: Double) {
        guard points.count >= 3 else { return }
        let list = points.map { "\(Self.c($0.0)),\(Self.c($0.1))" }.joined(separator: " ")
        body.append(
            "<polygon class=\"band\" points=\"\(list)\" fill=\"\(fill)\" fill-opacity=\"\(Self.c(opacity))\" "
                + "stroke=\"none\"/>")
    }

    mutating func rect(
        _ x: Double, _ y: Double, _ width: Double, _ height: Double, fill: String, opacity: Double = 1,
        cssClass: String? = nil, title: String? = nil
    ) {
        let classAttribute = cssClass.map { " class=\"\($0)\"" } ?? ""
        let opacityAttribute = opacity < 1 ? " fill-opacity=\"\(Self.c(opacity))\"" : ""
        let open =
            "<rect\(classAttribute) x=\"\(Self.c(x))\" y=\"\(Self.c(y))\" width=\"\(Self.c(max(width, 0)))\" "
            + "height=\"\(Self.c(max(height, 0)))\" fill=\"\(fill)\"\(opacityAttribute)"
        if let title {
            body.append(open + "><title>\(Markup.escape(title))</title></rect>")
        } else {
            body.append(open + "/>")
        }
    }

    mutating func text(
        _ x: Double, _ y: Double, _ content: String, anchor: String = "start", size: Double = 11,
        weight: String? = nil, fill: String = "#222", rotate: Double? = nil, cssClass: String? = nil
    ) {
        let weightAttribute = weight.map { " font-weight=\"\($0)\"" } ?? ""
        let rotation = rotate.map { " transform=\"rotate(\(Self.c($0)) \(Self.c(x)) \(Self.c(y)))\"" } ?? ""
        let classAttribute = cssClass.map { " class=\"\($0)\"" } ?? ""
        body.append(
            "<text\(classAttribute) x=\"\(Self.c(x))\" y=\"\(Self.c(y))\" text-anchor=\"\(anchor)\" "
                + "font-size=\"\(Self.c(size))\" fill=\"\(fill)\"\(weightAttribute)\(rotation)>"
                + "\(Markup.escape(content))</text>")
    }

    /// A marker of size `size` (its half-width) centred at (x, y), filled or hollow, with an optional tooltip.
    mutating func marker(
        _ shape: Marker, _ x: Double, _ y: Double, color: String, size: Double = 3.6, hollow: Bool = false,
        title: String? = nil
    ) {
        let fill = hollow ? "#fff" : color
        let stroke = hollow ? color : "#fff"
        let style = "class=\"marker\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"\(hollow ? "1.6" : "0.9")\""
        let s = size
        let element: String
        switch shape {
        case .circle:
            element = "<circle \(style) cx=\"\(Self.c(x))\" cy=\"\(Self.c(y))\" r=\"\(Self.c(s))\""
        case .square:
            let h = s * 0.9
            element =
                "<rect \(style) x=\"\(Self.c(x - h))\" y=\"\(Self.c(y - h))\" width=\"\(Self.c(2 * h))\" "
                + "height=\"\(Self.c(2 * h))\""
        case .diamond:
            let h = s * 1.25
            element =
                "<polygon \(style) points=\"\(Self.c(x)),\(Self.c(y - h)) \(Self.c(x + h)),\(Self.c(y)) "
                + "\(Self.c(x)),\(Self.c(y + h)) \(Self.c(x - h)),\(Self.c(y))\""
        case .triangle, .invertedTriangle:
            let h = s * 1.2
            let sign = shape == .triangle ? 1.0 : -1.0
            element =
                "<polygon \(style) points=\"\(Self.c(x)),\(Self.c(y - sign * h)) "
                + "\(Self.c(x + h)),\(Self.c(y + sign * h * 0.8)) \(Self.c(x - h)),\(Self.c(y + sign * h * 0.8))\""
        case .cross:
            let h = s
            element =
                "<path class=\"marker\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\" "
                + "d=\"M\(Self.c(x - h)),\(Self.c(y - h))L\(Self.c(x + h)),\(Self.c(y + h))"
                + "M\(Self.c(x - h)),\(Self.c(y + h))L\(Self.c(x + h)),\(Self.c(y - h))\""
        }
        if let title {
            body.append(element + "><title>\(Markup.escape(title))</title>" + closingTag(of: element))
        } else {
            body.append(element + "/>")
        }
    }

    private func closingTag(of element: String) -> String {
        let name = element.dropFirst().prefix { $0 != " " }
        return "</\(name)>"
    }

    /// The finished `<svg>` element, with a `<title>` for screen readers; `origin` places it inside another
    /// `<svg>` (a panel of small multiples).
    func render(title: String, cssClass: String = "chart", origin: (x: Double, y: Double)? = nil) -> String {
        let place = origin.map { "x=\"\(Self.c($0.x))\" y=\"\(Self.c($0.y))\" " } ?? ""
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" \(place)class=\"\(cssClass)\" role=\"img\" "
            + "viewBox=\"0 0 \(Self.c(width)) \(Self.c(height))\" width=\"\(Self.c(width))\" "
            + "height=\"\(Self.c(height))\" font-family=\"system-ui, -apple-system, 'Segoe UI', Roboto, "
            + "'Helvetica Neue', Arial, sans-serif\">\n<title>\(Markup.escape(title))</title>\n"
            + body.joined(separator: "\n") + "\n</svg>"
    }

    /// Approximate width of `text` at font size `size` (no font metrics offline: 0.56 em per character).
    static func textWidth(_ text: String, size: Double = 11) -> Double { Double(text.count) * size * 0.56 }
}
