import Foundation
import Numerics
import XCTest

/// The Poisson-bootstrap weights against the Poisson(1) distribution they claim (mean, variance, the
/// probabilities e⁻¹/k!), and as the pure function the cluster relies on: the same triple gives the same
/// weight, and a different seed, replicate or utterance gives an independent one.
final class PoissonBootstrapTests: XCTestCase {
    func testWeightsHaveThePoissonOneMeanVarianceAndProbabilities() {
        let keys = (0..<20_000).map { PoissonBootstrap.key(of: "utt-\($0)") }
        var counts = [Int](repeating: 0, count: PoissonBootstrap.largestWeight + 1)
        var sum = 0.0
        var squares = 0.0
        let replicates = 10
        for replicate in 0..<replicates {
            for key in keys {
                let w = PoissonBootstrap.weight(seed: 7, replicate: replicate, key: key)
                counts[w] += 1
                sum += Double(w)
                squares += Double(w * w)
            }
        }
        let n = Double(keys.count * replicates)
        let mean = sum / n
        let variance = squares / n - mean * mean
        // Standard errors at n = 200 000: mean 1/√n ≈ 0.0022, variance √(2 + 1)/√n ≈ 0.0039 (κ₄ = 1 for Poisson(1)).
        XCTAssertEqual(mean, 1, accuracy: 0.01)
        XCTAssertEqual(variance, 1, accuracy: 0.02)
        var factorial = 1.0
        for k in 0...4 {
            if k > 0 { factorial *= Double(k) }
            let expected = exp(-1.0) / factorial
            let observed = Double(counts[k]) / n
            // Four binomial standard errors.
            XCTAssertEqual(
                observed, expected, accuracy: 4 * (expected * (1 - expected) / n).squareRoot(), "P(W = \(k))")
        }
    }

    func testWeightsAreAPureFunctionOfSeedReplicateAndUtterance() {
        let key = PoissonBootstrap.key(of: "speaker-3/utt-0042")
        let a = (0..<200).map { PoissonBootstrap.weight(seed: 11, replicate: $0, key: key) }
        XCTAssertEqual(a, (0..<200).map { PoissonBootstrap.weight(seed: 11, replicate: $0, key: key) })
        XCTAssertNotEqual(a, (0..<200).map { PoissonBootstrap.weight(seed: 12, replicate: $0, key: key) })
        let other = PoissonBootstrap.key(of: "speaker-3/utt-0043")
        XCTAssertNotEqual(a, (0..<200).map { PoissonBootstrap.weight(seed: 11, replicate: $0, key: other) })
        let matrix = PoissonBootstrap.weights(seed: 11, replicates: 200, keys: [other, key])
        XCTAssertEqual((0..<200).map { Int(matrix[$0 * 2 + 1]) }, a)
    }

    func testWeightsOfNeighbouringStreamsAreUncorrelated() {
        // Replicate b and b + 1 of the same utterances, and utterance i and i + 1 of one replicate.
        let keys = (0..<50_000).map { PoissonBootstrap.key(of: "u\($0)") }
        func correlation(_ a: [Double], _ b: [Double]) -> Double {
            let n = Double(a.count)
            let ma = a.reduce(0, +) / n
            let mb = b.reduce(0, +) / n
            var c = 0.0
            var va = 0.0
            var vb = 0.0
            for i in a.indices {
                c += (a[i] - ma) * (b[i] - mb)
                va += (a[i] - ma) * (a[i] - ma)
                vb += (b[i] - mb) * (b[i] - mb)
            }
            return c / (va * vb).squareRoot()
        }
        let w = PoissonBootstrap.weights(seed: 1, replicates: 2, keys: keys)
        let first = Array(w[0..<keys.count])
        let second = Array(w[keys.count...])
        // |r| < 4 / √n ≈ 0.018 for independent streams.
        XCTAssertLessThan(abs(correlation(first, second)), 0.018)
        XCTAssertLessThan(abs(correlation(Array(first.dropLast()), Array(first.dropFirst()))), 0.018)
    }

    func testUtteranceKeyIsFNV1a() {
        // Published FNV-1a 64 test vectors (Fowler, Noll, Vo): "" and "a".
        XCTAssertEqual(PoissonBootstrap.key(of: ""), 0xCBF2_9CE4_8422_2325)
        XCTAssertEqual(PoissonBootstrap.key(of: "a"), 0xAF63_DC4C_8601_EC8C)
        XCTAssertEqual(PoissonBootstrap.key(of: "foobar"), 0x8594_4171_F739_67E8)
    }
}
