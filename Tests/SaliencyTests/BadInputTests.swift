import Saliency
import XCTest

/// Constant dimensions score 0, a constant target scores 0 with a warning, and too few observations is a
/// clear error: never NaN.
final class BadInputTests: XCTestCase {
    func dataWithConstantColumn(count: Int) throws -> Observations {
        let base = try TestData.planted(count: count, dimensions: 12, targets: 1, seed: 3)
        var features = base.features
        // Column 2 constant at a value whose mean does not round-trip (0.1 · n / n ≠ 0.1 in general).
        for row in 0..<count { features[row * 12 + 2] = 0.1 }
        return try Observations(features: features, targets: base.targets, count: count, dimensions: 12, targetCount: 1)
    }

    func testConstantDimensionScoresZeroEverywhere() throws {
        let data = try dataWithConstantColumn(count: 700)
        var moments = MomentsPartial(dimensions: 0..<12, targetCount: 1)
        for piece in [0..<100, 100..<333, 333..<700] { try moments.add(data.rows(piece)) }
        let ccs = try CrossCorrelationSaliency.scores(moments)
        XCTAssertEqual(ccs.mean[2], 0)
        XCTAssertTrue(ccs.warnings.contains(.constantDimensions([2])), "\(ccs.warnings)")
        let ksg = try KSGMutualInformation().scores(data)
        XCTAssertEqual(ksg.mean[2], 0)
        let layout = try HistogramLayout(range: RangePartial(data), bins: 8, binaryTargets: false)
        var histogram = JointHistogramPartial(layout: layout)
        try histogram.add(data)
        XCTAssertEqual(try HistogramMutualInformation.scores(histogram, millerMadow: true).mean[2], 0)
        for scores in [ccs, ksg] { XCTAssertFalse(scores.mean.contains { $0.isNaN }) }
        var covariance = CovariancePartial(dimensions: 0..<12)
        try covariance.add(data)
        let pca = try PrincipalComponents(covariance: covariance)
        XCTAssertFalse(pca.explainedRatio.contains { $0.isNaN })
    }

    func testZeroVarianceTargetScoresZeroWithAWarning() throws {
        let base = try TestData.planted(count: 300, dimensions: 12, targets: 2, seed: 6)
        var targets = base.targets
        for row in 0..<300 { targets[row * 2 + 1] = 3.7 }
        let data = try Observations(
            features: base.features, targets: targets, count: 300, dimensions: 12, targetCount: 2)
        let ccs = try CrossCorrelationSaliency.scores(MomentsPartial(data))
        XCTAssertEqual(ccs.perTarget[1], [Double](repeating: 0, count: 12))
        XCTAssertTrue(ccs.warnings.contains(.zeroVarianceTarget(target: 1)))
        XCTAssertGreaterThan(ccs.perTarget[0][TestData.linearA], 0.3)
        let ksg = try KSGMutualInformation().scores(data)
        XCTAssertEqual(ksg.perTarget[1], [Double](repeating: 0, count: 12))
        XCTAssertTrue(ksg.warnings.contains(.zeroVarianceTarget(target: 1)))
        let layout = try HistogramLayout(range: RangePartial(data), bins: 8, binaryTargets: false)
        var histogram = JointHistogramPartial(layout: layout)
        try histogram.add(data)
        let hist = try HistogramMutualInformation.scores(histogram)
        XCTAssertEqual(hist.perTarget[1], [Double](repeating: 0, count: 12))
        XCTAssertTrue(hist.warnings.contains(.zeroVarianceTarget(target: 1)))
    }

    func testFewerThanTwoObservationsIsAClearError() throws {
        let one = try TestData.planted(count: 1, dimensions: 12, targets: 1, seed: 1)
        XCTAssertThrowsError(try CrossCorrelationSaliency.scores(MomentsPartial(one))) { error in
            XCTAssertEqual(
                error as? SaliencyError, .tooFewObservations(required: 2, found: 1, statistic: "CCS (Pearson r)"))
        }
        var covariance = CovariancePartial(dimensions: 0..<12)
        try covariance.add(one)
        XCTAssertThrowsError(try PrincipalComponents(covariance: covariance))
        let three = try TestData.planted(count: 3, dimensions: 12, targets: 1, seed: 1)
        XCTAssertThrowsError(try KSGMutualInformation().scores(three)) { error in
            guard case SaliencyError.tooFewObservations(4, 3, _) = error else { return XCTFail("\(error)") }
        }
    }

    func testNonFiniteInputIsRefusedWithItsPosition() {
        XCTAssertThrowsError(
            try Observations(features: [1, 2, .nan, 4], targets: [0, 1], count: 2, dimensions: 2, targetCount: 1)
        ) { error in
            XCTAssertEqual(error as? SaliencyError, .nonFiniteValue(what: "features", row: 1, column: 0))
        }
    }

    func testPoolingAveragesFramesOrRepeatsLabels() throws {
        // Two utterances: 2 frames and 1 frame, D = 2; the second is excluded from the first pooling.
        let frames: [Float] = [1, 2, 3, 6, 10, 20]
        let pooled = try frames.withUnsafeBufferPointer {
            try Observations.pooling(
                frames: $0, dimensions: 2, offsets: [4, 6, 7], labels: [0.5, -1], targetCount: 1, pooling: .utterance)
        }
        XCTAssertEqual(pooled.features, [2, 4, 10, 20])
        XCTAssertEqual(pooled.targets, [0.5, -1])
        let framesLevel = try frames.withUnsafeBufferPointer {
            try Observations.pooling(
                frames: $0, dimensions: 2, offsets: [0, 2, 3], labels: [0.5, -1], targetCount: 1, pooling: .frame,
                include: [true, false])
        }
        XCTAssertEqual(framesLevel.features, [1, 2, 3, 6])
        XCTAssertEqual(framesLevel.targets, [0.5, 0.5])
        XCTAssertThrowsError(
            try frames.withUnsafeBufferPointer {
                try Observations.pooling(
                    frames: $0, dimensions: 2, offsets: [0, 2, 2], labels: [0.5, -1], targetCount: 1, pooling: .frame)
            })
    }
}
