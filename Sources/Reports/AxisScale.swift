import Foundation

/// A linear axis with "nice" ticks (1, 2 or 5 times a power of ten; Heckbert, "Nice numbers for graph
/// labels", Graphics Gems, 1990), mapping data values to pixels.
struct AxisScale {
    /// The axis' lower and upper data values (tick-aligned).
    var lower: Double
    var upper: Double
    /// The tick spacing.
    var step: Double
    /// The pixel positions of `lower` and `upper`.
    var pixelLower: Double
    var pixelUpper: Double

    /// An axis covering `values` (non-finite ones ignored) with about `targetTicks` ticks, mapped to
    /// `pixelLower...pixelUpper`; `includeZero` stretches it to 0.
    init(
        covering values: [Double], targetTicks: Int = 5, includeZero: Bool = false, pixelLower: Double,
        pixelUpper: Double
    ) {
        var finite = values.filter(\.isFinite)
        if includeZero { finite.append(0) }
        var low = finite.min() ?? 0
        var high = finite.max() ?? 1
        if low == high {
            // A flat series still gets a readable axis around its value.
            let pad = low == 0 ? 1 : abs(low) * 0.1
            low -= pad
            high += pad
        }
        let step = AxisScale.niceNumber((high - low) / Double(max(targetTicks - 1, 1)), round: true)
        lower = (low / step).rounded(.down) * step
        upper = (high / step).rounded(.up) * step
        self.step = step
        self.pixelLower = pixelLower
        self.pixelUpper = pixelUpper
    }

    /// The multiples of `step` from `lower` to `upper` (the ends need not be multiples when the domain was set).
    var ticks: [Double] {
        guard step > 0, upper > lower else { return [lower] }
        let first = (lower / step - 1e-9).rounded(.up)
        let last = (upper / step + 1e-9).rounded(.down)
        guard last >= first, last - first < 1000 else { return [lower, upper] }
        return stride(from: first, through: last, by: 1).map { $0 * step }.map { abs($0) < step * 1e-9 ? 0 : $0 }
    }

    /// Whether a value lies on the axis (its ends included, with a little slack for rounding).
    func contains(_ value: Double) -> Bool {
        let slack = (upper - lower) * 1e-9
        return value >= lower - slack && value <= upper + slack
    }

    /// The pixel of a data value.
    func pixel(_ value: Double) -> Double {
        guard upper > lower else { return pixelLower }
        return pixelLower + (value - lower) / (upper - lower) * (pixelUpper - pixelLower)
    }

    /// A tick label: as many decimals as the step needs; thousands as `k` and millions as `M`.
    func label(_ value: Double) -> String {
        let magnitude = max(abs(lower), abs(upper))
        var divisor = 1.0
        var suffix = ""
        if magnitude >= 1e6 {
            divisor = 1e6
            suffix = "M"
        } else if magnitude >= 1e4 {
            divisor = 1e3
            suffix = "k"
        }
        let decimals = max(0, Int(-(log10(step / divisor)).rounded(.down)))
        let text = String(format: "%.\(decimals)f", value / divisor)
        let cleaned = text == "-0" || text.hasPrefix("-0.") && Double(text) == 0 ? String(text.dropFirst()) : text
        return (cleaned.hasPrefix("-") ? "−" + cleaned.dropFirst() : cleaned) + suffix
    }

    /// The nice number near `value`: rounded (for steps) or not below it (for ranges).
    static func niceNumber(_ value: Double, round: Bool) -> Double {
        guard value > 0, value.isFinite else { return 1 }
        let exponent = log10(value).rounded(.down)
        let fraction = value / pow(10, exponent)
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * pow(10, exponent)
    }
}
