/// The heat maps' colour scale: matplotlib's viridis (van der Walt & Smith, 2015), sequential, perceptually
/// uniform, legible to readers with the common colour-vision deficiencies and in greyscale (dark purple is
/// low, yellow high). It is the one sequential scale of the report; the Okabe–Ito ``Palette`` stays for
/// categories.
///
/// Seventeen stops, matplotlib's viridis sampled at i/16 and rounded to 8 bits, joined linearly in sRGB:
/// within 6/255 per channel of the full 256-entry table, below what the eye tells apart on screen.
enum Viridis {
    static let stops: [RGB] = [
        0x440154, 0x48186A, 0x472D7B, 0x424086, 0x3B528B, 0x33638D, 0x2C728E, 0x26828E, 0x21918C, 0x1FA088,
        0x28AE80, 0x3FBC73, 0x5EC962, 0x84D44B, 0xADDC30, 0xD8E219, 0xFDE725,
    ].map { RGB(red: UInt8($0 >> 16), green: UInt8(($0 >> 8) & 0xFF), blue: UInt8($0 & 0xFF)) }

    /// Levels a value is quantised to in a heat map's palette image (index 0 = lowest … 254 = highest).
    static let levels = 255
    /// The palette index of a missing or non-finite value (a layer narrower than the widest one).
    static let missingIndex = UInt8(255)
    /// Missing cells: a light grey, outside viridis' range.
    static let missing = RGB(red: 0xE4, green: 0xE4, blue: 0xE4)

    /// The colour at `t` in 0...1 (clamped).
    static func color(_ t: Double) -> RGB {
        let position = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let lower = min(Int(position), stops.count - 2)
        let fraction = position - Double(lower)
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) + (Double(b) - Double(a)) * fraction).rounded())
        }
        let a = stops[lower]
        let b = stops[lower + 1]
        return RGB(red: mix(a.red, b.red), green: mix(a.green, b.green), blue: mix(a.blue, b.blue))
    }

    /// The 256 palette entries of a heat map image: ``levels`` colours from low to high, then ``missing``.
    static let palette: [RGB] = (0..<levels).map { color(Double($0) / Double(levels - 1)) } + [missing]

    /// The palette index of `value` on a linear scale from `lower` (index 0) to `upper` (index 254); a flat
    /// scale (`lower == upper`) maps everything to 0.
    static func index(_ value: Double, lower: Double, upper: Double) -> UInt8 {
        guard value.isFinite else { return missingIndex }
        guard upper > lower else { return 0 }
        let t = min(max((value - lower) / (upper - lower), 0), 1)
        return UInt8((t * Double(levels - 1)).rounded())
    }
}
