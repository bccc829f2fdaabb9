import Foundation

/// Vigna's SplitMix64: a small, fast, seedable generator whose streams are fully determined by
/// `(seed, stream)`, so noise for dimension d is the same whichever block or thread computes it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose stream starts from the raw `state` (as Vigna's reference code seeds it).
    public init(state: UInt64) { self.state = state }

    /// A generator for one independent stream of a seed (e.g. one per dimension).
    public init(seed: UInt64, stream: UInt64 = 0) {
        state = seed
        state = next() ^ (stream &* 0xD1B5_4A32_D192_ED03)
        _ = next()
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func nextUniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A standard normal deviate (Box–Muller, one of the pair).
    public mutating func nextNormal() -> Double {
        let u1 = 1 - nextUniform()  // (0, 1]: log is finite
        let u2 = nextUniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A uniform integer in `0..<bound` (Lemire's rejection, unbiased).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let limit = UInt64(bound)
        var product = next().multipliedFullWidth(by: limit)
        if product.low < limit {
            let threshold = (0 &- limit) % limit
            while product.low < threshold { product = next().multipliedFullWidth(by: limit) }
        }
        return Int(product.high)
    }
}
