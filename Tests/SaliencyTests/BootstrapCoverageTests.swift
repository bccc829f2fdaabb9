import Foundation
import Numerics
import Saliency
import XCTest

/// The bootstrap against the closed form of a correlation's sampling error: on bivariate normal draws with a
/// known ρ, the bootstrap standard error of CCS (|r|) matches (1 − ρ²)/√N (Fisher 1915; the delta method's
/// large-N standard error of Pearson's r) and its 95 % percentile interval covers the true |ρ| in about 95 %
/// of independent draws.
final class BootstrapCoverageTests: XCTestCase {
    func testCCSIntervalsCoverTheTrueCorrelationAndTheStandardErrorMatchesTheClosedForm() throws {
        let correlations = [0.3, 0.6]
        let rows = 300
        let draws = 600
        let replicates = 200
        var covered = [Int](repeating: 0, count: correlations.count)
        var meanError = [Double](repeating: 0, count: correlations.count)
        var generator = SplitMix64(seed: 2024)
        for draw in 0..<draws {
            // Column d is ρ_d·y + √(1 − ρ_d²)·ε: correlation ρ_d with the target.
            var features = [Double]()
            var targets = [Double]()
            for _ in 0..<rows {
                let y = generator.nextNormal()
                targets.append(y)
                for rho in correlations {
                    features.append(rho * y + (1 - rho * rho).squareRoot() * generator.nextNormal())
                }
            }
            let batch = try Observations(
                features: features, targets: targets, count: rows, dimensions: correlations.count, targetCount: 1,
                rowKeys: (0..<rows).map { PoissonBootstrap.key(of: "draw\(draw)-utt\($0)") })
            let point = try CrossCorrelationSaliency.scores(MomentsPartial(batch))
            let bootstrap = try ScoreReplicates.ccs(
                point: point,
                bootstrap: try BootstrapMomentsPartial(batch, replicates: replicates, seed: UInt64(draw)))
            let (low, high) = bootstrap.intervals()
            let errors = bootstrap.standardErrors
            for (index, rho) in correlations.enumerated() {
                if low[index] <= rho && rho <= high[index] { covered[index] += 1 }
                meanError[index] += errors[index] / Double(draws)
            }
        }
        for (index, rho) in correlations.enumerated() {
            let closedForm = (1 - rho * rho) / Double(rows).squareRoot()
            // The average of 600 bootstrap standard errors is within 3 % of the closed form (measured: 0.1 %).
            XCTAssertEqual(meanError[index], closedForm, accuracy: 0.03 * closedForm, "ρ = \(rho): standard error")
            // 95 % coverage; a binomial standard deviation at 600 draws is 0.9 %, so 92 %–98 % is about ±3 sd (numpy.percentile over numpy Poisson weights gives 94.7 % at ρ = 0.3, N = 400, 1000 draws).
            let coverage = Double(covered[index]) / Double(draws)
            XCTAssertGreaterThanOrEqual(coverage, 0.92, "ρ = \(rho): coverage \(coverage)")
            XCTAssertLessThanOrEqual(coverage, 0.98, "ρ = \(rho): coverage \(coverage)")
        }
    }
}
