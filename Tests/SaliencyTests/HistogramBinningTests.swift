import Numerics
import XCTest

@testable import Saliency

/// The counting loop's binning (`HistogramLayout.binCounting`: the integer part of the scaled position away
/// from whole numbers, else a clamped estimate fixed by one bin) against the exact search and against a
/// linear scan of the numpy.linspace edges, on the values where a shortcut would slip: every edge and its
/// floating-point neighbours up to 64 ulps away, the ends, outside the interval, constant axes, and narrow
/// intervals far from zero, where rounding moves edges by a sizeable part of a bin.
final class HistogramBinningTests: XCTestCase {
    func testCountingBinsEqualTheExactSearchEverywhere() {
        let axes: [(low: Double, high: Double, bins: Int)] = [
            (-0.1, 0.3, 32), (0, 1, 32), (1e-3, 1e-3 + 1e-12, 16), (-7.25, 3.5, 7), (2, 5, 1), (-1e300, 1e300, 32),
            (0.1, 0.7, 3), (4, 4, 32), (1e3, 1e3 + 1e-9, 32), (-5e4, -5e4 + 3e-7, 32), (1e3, 1e3 + 1e-12, 32),
            (-3.3e-5, 2.9e-5, 32), (17.1, 17.9, 64),
        ]
        var generator = SplitMix64(seed: 11)
        for axis in axes {
            let edges = (0...axis.bins).map {
                HistogramLayout.edge($0, low: axis.low, high: axis.high, bins: axis.bins)
            }
            var values = [axis.low - 1, axis.high + 1, -.greatestFiniteMagnitude, .greatestFiniteMagnitude]
            for edge in edges {
                var (up, down) = (edge, edge)
                for _ in 0..<64 {
                    (up, down) = (up.nextUp, down.nextDown)
                    values += [up, down]
                }
                values.append(edge)
            }
            for _ in 0..<2_000 { values.append(axis.low + (axis.high - axis.low) * generator.nextUniform()) }
            let scale = Double(axis.bins) / (axis.high - axis.low)
            let tolerance = HistogramLayout.countingTolerance(low: axis.low, high: axis.high, bins: axis.bins)
            edges.withUnsafeBufferPointer { pointer in
                for value in values {
                    let exact = HistogramLayout.bin(
                        value, low: axis.low, high: axis.high, scale: scale, edges: pointer.baseAddress!,
                        last: axis.bins - 1)
                    let counting = HistogramLayout.binCounting(
                        value, low: axis.low, high: axis.high, scale: scale, edges: pointer.baseAddress!,
                        last: axis.bins - 1, lastBin: Double(axis.bins - 1), tolerance: tolerance)
                    XCTAssertEqual(counting, exact, "\(value) on \(axis)")
                    XCTAssertEqual(exact, TestData.linearScanBin(value, edges: edges), "\(value) on \(axis)")
                }
            }
        }
    }
}
