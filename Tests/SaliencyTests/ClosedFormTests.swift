import Foundation
import Numerics
import Saliency
import XCTest

/// Estimators against closed forms: a bivariate Gaussian with correlation ρ has I = −½ ln(1 − ρ²).
final class ClosedFormTests: XCTestCase {
    func gaussianPair(count: Int, rho: Double, seed: UInt64) throws -> Observations {
        var generator = SplitMix64(seed: seed)
        var x = [Double]()
        var y = [Double]()
        for _ in 0..<count {
            let a = generator.nextNormal()
            let b = generator.nextNormal()
            x.append(a)
            y.append(rho * a + (1 - rho * rho).squareRoot() * b)
        }
        return try Observations(features: x, targets: y, count: count, dimensions: 1, targetCount: 1)
    }

    func testKSGMatchesGaussianMutualInformation() throws {
        // KSG's standard deviation at N = 4000 is about 0.01 nats; its bias grows with the dependence.
        for (rho, tolerance) in [(0.6, 0.03), (0.9, 0.05)] {
            let data = try gaussianPair(count: 4000, rho: rho, seed: UInt64(rho * 10) + 1)
            let estimate = try KSGMutualInformation().scores(data).perTarget[0][0]
            let exact = -0.5 * log(1 - rho * rho)
            XCTAssertEqual(estimate, exact, accuracy: tolerance, "rho \(rho)")
        }
        // Independent pairs: each estimate near 0 (clipped there when negative), their mean closer still.
        let independent = try (20..<26).map {
            try KSGMutualInformation().scores(gaussianPair(count: 4000, rho: 0, seed: UInt64($0))).perTarget[0][0]
        }
        XCTAssertLessThan(independent.max() ?? 1, 0.05)
        XCTAssertLessThan(independent.reduce(0, +) / Double(independent.count), 0.015)
    }

    func testHistogramMIMatchesGaussianMutualInformation() throws {
        // 50 000 points on 32 x 32 bins: the plug-in bias (bins − 1)²/2N ≈ 0.01 nats, which Miller–Madow
        // removes; the binning itself loses a little information on a Gaussian.
        for rho in [0.0, 0.6, 0.9] {
            let data = try gaussianPair(count: 50000, rho: rho, seed: UInt64(rho * 10) + 5)
            let layout = try HistogramLayout(range: RangePartial(data), bins: 32, binaryTargets: false)
            var histogram = JointHistogramPartial(layout: layout)
            try histogram.add(data)
            let corrected = try HistogramMutualInformation.scores(histogram, millerMadow: true).perTarget[0][0]
            let plain = try HistogramMutualInformation.scores(histogram).perTarget[0][0]
            let exact = -0.5 * log(1 - rho * rho)
            XCTAssertEqual(corrected, exact, accuracy: 0.03 + 0.05 * exact, "rho \(rho)")
            XCTAssertGreaterThanOrEqual(plain, corrected, "Miller–Madow lowers the plug-in estimate")
        }
    }

    func testCCSOfAGaussianPairIsItsCorrelation() throws {
        let data = try gaussianPair(count: 20000, rho: 0.6, seed: 3)
        XCTAssertEqual(try CrossCorrelationSaliency.scores(MomentsPartial(data)).mean[0], 0.6, accuracy: 0.02)
    }

    func testDigammaMatchesKnownValues() {
        let euler = 0.577_215_664_901_532_9
        XCTAssertEqual(digamma(1), -euler, accuracy: 1e-14)
        XCTAssertEqual(digamma(0.5), -euler - 2 * log(2), accuracy: 1e-14)
        // ψ(n + 1) = ψ(n) + 1/n, across the switch to the asymptotic series.
        var harmonic = -euler
        for n in 1..<50 {
            XCTAssertEqual(digamma(Double(n)), harmonic, accuracy: 1e-13, "n = \(n)")
            harmonic += 1 / Double(n)
        }
    }

    func testKSGOfTiedMarginalsCountsLikeScikitLearn() throws {
        // Hand-checked small case: points on a line y = x with spacing 1, k = 1. Every interior point's nearest
        // neighbour is at 1, so radius = nextafter(1, 0) and n_x = n_y = 0 (no other point strictly closer):
        // I = ψ(N) + ψ(1) − ψ(1) − ψ(1) = ψ(N) − ψ(1).
        let x = (0..<10).map(Double.init)
        let mi = try KSGMutualInformation.mutualInformation(x: x, y: x, neighbours: 1)
        XCTAssertEqual(mi, digamma(10) - digamma(1), accuracy: 1e-12)
    }
}
