import Saliency
import XCTest

/// On synthetic data with planted dependence: CCS ranks the linear dimensions first, and both MI
/// estimators find the quadratic one that correlation cannot see.
final class PlantedDimensionTests: XCTestCase {
    func testLinearDimensionsRankTopForCCSAndMISFindsTheNonLinearOne() throws {
        let data = try TestData.planted(count: 3000, dimensions: 40, targets: 1, seed: 2)
        let ccs = try CrossCorrelationSaliency.scores(MomentsPartial(data)).mean
        let ccsRanking = Selection.ranking(ccs)
        XCTAssertEqual(Set(ccsRanking.prefix(2)), [TestData.linearA, TestData.linearB])
        // CCS misses the quadratic dimension: its |r| is at the level of the independent dimensions
        // (their standard error is 1/√3000 ≈ 0.018).
        XCTAssertLessThan(ccs[TestData.quadratic], 0.06)

        let ksg = try KSGMutualInformation(threads: 2).scores(data).mean
        XCTAssertTrue(Selection.ranking(ksg).prefix(3).contains(TestData.quadratic), "\(ksg)")

        let layout = try HistogramLayout(range: RangePartial(data), bins: 16, binaryTargets: false)
        var histogram = JointHistogramPartial(layout: layout)
        try histogram.add(data)
        let hist = try HistogramMutualInformation.scores(histogram, millerMadow: true).mean
        XCTAssertTrue(Selection.ranking(hist).prefix(3).contains(TestData.quadratic), "\(hist)")
    }

    func testKSGDoesNotDependOnBlockSplitOrThreads() throws {
        let data = try TestData.planted(count: 600, dimensions: 12, targets: 2, seed: 4)
        let whole = try KSGMutualInformation(noise: .seeded(9), threads: 1).scores(data)
        let blocks = try [0..<5, 5..<12].map {
            try KSGMutualInformation(noise: .seeded(9), threads: 2).scores(data.columns($0))
        }
        XCTAssertEqual(try DimensionScores.concatenating(blocks.reversed()), whole)
    }
}
