import Foundation

/// Escaping and number formatting shared by the HTML, SVG, Markdown and CSV writers.
enum Markup {
    /// Escapes text for XML and HTML content and attribute values (`&`, `<`, `>`, `"`, `'`).
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&#39;"
            default: result.append(character)
            }
        }
        return result
    }

    /// Escapes text for Markdown, where raw HTML is live: `&`, `<`, `>` as entities, `|` for table cells,
    /// line breaks as spaces.
    static func markdown(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\n", with: " ")
    }

    /// A coordinate in an SVG path: two decimals, no trailing zeros, `-0` as `0`.
    static func coordinate(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let rounded = (value * 100).rounded() / 100
        if rounded == rounded.rounded() { return String(Int(rounded)) }
        return String(format: "%.2f", rounded).replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
    }

    /// A metric or score in tables: four decimals, `NaN` and `—` (missing) spelled out.
    static func number(_ value: Double?, decimals: Int = 4) -> String {
        guard let value else { return "—" }
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "∞" : "−∞" }
        return String(format: "%.\(decimals)f", value)
    }

    /// A signed difference in tables: `+0.0123` / `-0.0456`.
    static func signed(_ value: Double?, decimals: Int = 4) -> String {
        guard let value, value.isFinite else { return number(value, decimals: decimals) }
        return (value >= 0 ? "+" : "") + String(format: "%.\(decimals)f", value)
    }

    /// A count with thin grouping: `1 234 567`.
    /// A fraction as a percentage: `0.25` → `25 %`, `0.125` → `12.5 %`.
    static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return (value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)) + " %"
    }

    static func count(_ value: Int) -> String {
        let digits = String(abs(value))
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return (value < 0 ? "-" : "") + groups.joined(separator: "\u{202F}")
    }

    /// Bytes in binary units (`512 B`, `3.2 MiB`, `1.50 GiB`); "—" when unknown.
    static func bytes(_ value: Int?) -> String {
        guard let value else { return "—" }
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var scaled = Double(value)
        var unit = 0
        while abs(scaled) >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        if unit == 0 { return "\(value) B" }
        return String(format: scaled < 10 ? "%.2f " : "%.1f ", scaled) + units[unit]
    }

    /// Seconds as `42.0 s`, `3 min 05 s` or `1 h 02 min`.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds.isFinite else { return "—" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, (whole % 3600) / 60)
    }

    /// A date as ISO 8601 in UTC.
    static func date(_ date: Date?) -> String {
        guard let date else { return "—" }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }
}
