import Foundation

/// A small, fast, seedable pseudo-random generator (xoshiro256**, seeded through SplitMix64), so that
/// synthetic data, initialisation, shuffling and dropout are identical for a seed on every platform and
/// Swift version (the standard library's generator is neither seedable nor stable).
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose stream is fixed by `seed`.
    public init(seed: UInt64) {
        var mixer = SplitMix64(state: seed)
        state = (mixer.next(), mixer.next(), mixer.next(), mixer.next())
    }

    /// A generator for sub-stream `stream` of `seed` (e.g. one per utterance), independent of the others.
    public init(seed: UInt64, stream: UInt64) {
        var mixer = SplitMix64(state: seed ^ (stream &* 0x9E37_79B9_7F4A_7C15))
        _ = mixer.next()
        self.init(seed: mixer.next() ^ stream)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    /// A uniform value in [0, 1), from the top 53 bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A standard normal value (Box-Muller).
    public mutating func gaussian() -> Double {
        let u1 = max(uniform(), 0x1.0p-53)
        let u2 = uniform()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    private func rotate(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
