import Foundation

/// The Poisson bootstrap (Chamandy, Muralidharan, Najmi & Naik, "Estimating uncertainty for massive data
/// streams", Google 2012): every utterance gets, per replicate, an integer weight drawn from Poisson(1), as a
/// pure function of (seed, replicate, utterance id). Every worker that meets an utterance computes its weights
/// alone, with no coordination and whatever the cutting of the data, and a weighted sum is the sum over a
/// resample, so weighted partials merge exactly like unweighted ones.
///
/// Poisson(1) weights approximate the multinomial weights of the classic bootstrap (n draws with replacement)
/// when n is large; they differ in that the total weight of a replicate varies around n.
public enum PoissonBootstrap {
    /// The largest weight drawn: P(Poisson(1) > 20) < 1e-19, below the 2⁻⁵³ resolution of the uniform.
    public static let largestWeight = 20

    /// Cumulative Poisson(1) probabilities P(W ≤ k), k = 0 … `largestWeight`, summed in Double.
    private static let cumulative: [Double] = {
        var out = [Double]()
        var term = exp(-1.0)
        var sum = 0.0
        for k in 0...largestWeight {
            if k > 0 { term /= Double(k) }
            sum += term
            out.append(sum)
        }
        return out
    }()

    /// A stable 64-bit key of an utterance id (FNV-1a over its UTF-8 bytes): the same on every machine and
    /// every run, unlike Swift's seeded `Hasher`.
    public static func key(of id: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in id.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    /// The weight of the utterance whose key is `key` in replicate `replicate` of `seed`: Poisson(1) by
    /// inversion of a uniform made from three rounds of SplitMix64's finaliser over the triple.
    public static func weight(seed: UInt64, replicate: Int, key: UInt64) -> Int {
        var state = mix(seed &+ 0x9E37_79B9_7F4A_7C15)
        state = mix(state ^ (UInt64(truncatingIfNeeded: replicate) &* 0xD1B5_4A32_D192_ED03))
        state = mix(state ^ key)
        let uniform = Double(state >> 11) * 0x1p-53
        var weight = 0
        while weight < largestWeight && uniform >= cumulative[weight] { weight += 1 }
        return weight
    }

    /// Weights of `keys` (one per row) for replicates `0..<replicates`, replicate-major: `out[b · n + i]`.
    public static func weights(seed: UInt64, replicates: Int, keys: [UInt64]) -> [Double] {
        var out = [Double](repeating: 0, count: replicates * keys.count)
        for replicate in 0..<replicates {
            let base = replicate * keys.count
            for (row, key) in keys.enumerated() {
                out[base + row] = Double(weight(seed: seed, replicate: replicate, key: key))
            }
        }
        return out
    }

    /// SplitMix64's output function (Vigna): a bijection of 64-bit words with full avalanche.
    @inline(__always)
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
