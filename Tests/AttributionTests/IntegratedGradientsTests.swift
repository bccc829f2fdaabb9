import Foundation
import Numerics
import TestSupport
import XCTest

@testable import Attribution

final class IntegratedGradientsTests: XCTestCase {
    /// A generous single-precision tolerance: attributions are Float sums of up to 50 weighted terms.
    let floatTolerance = 1e-5

    func testLinearModelGivesWeightsTimesDisplacementForEveryMethod() throws {
        var generator = SplitMix64(state: 1)
        let width = 5
        let weights = (0..<2).map { _ in (0..<width).map { _ in Double.random(in: -2...2, using: &generator) } }
        let model = LinearModel(weights: weights, bias: [0.3, -0.7])
        let utterances = randomUtterances(count: 4, width: width, lengths: 1...6, generator: &generator)
        let baselineVector: [Float] = (0..<width).map { _ in Float.random(in: -0.5...0.5, using: &generator) }
        for method in IntegrationMethod.allCases {
            for (baseline, b) in [
                (Baseline.zero, [Float](repeating: 0, count: width)), (.vector(baselineVector), baselineVector),
            ] {
                let ig = IntegratedGradients(steps: 7, method: method, baseline: baseline)
                let results = try ig.attribute(utterances, model: model)
                XCTAssertEqual(results.count, utterances.count)
                for (u, result) in results.enumerated() {
                    XCTAssertEqual(result.outputs, [0, 1])
                    for j in 0..<2 {
                        for (i, value) in result.frameAttributions[j].enumerated() {
                            let expected = weights[j][i % width] * Double(utterances[u][i] - b[i % width])
                            XCTAssertEqual(
                                Double(value), expected, accuracy: floatTolerance, "\(method) u\(u) j\(j) i\(i)")
                        }
                        XCTAssertEqual(result.completenessDelta[j], 0, accuracy: 1e-4, "\(method)")
                    }
                }
            }
        }
    }

    func testRiemannRightMatchesClosedFormOnQuadraticModel() throws {
        // Along b + α(x − b), s_d(α) = T b_d + α (S_d − T b_d) and ∂F/∂x[τ, d] = 2 q_d s_d(α), so the right
        // Riemann sum (Σ w = 1, Σ w α = (m + 1)/(2m)) gives
        // a[τ, d] = (x − b)[τ, d] · 2 q_d (T b_d + (S_d − T b_d)(m + 1)/(2m)).
        var generator = SplitMix64(state: 2)
        let width = 4
        let q = (0..<width).map { _ in Double.random(in: -1...1, using: &generator) }
        let b: [Float] = (0..<width).map { _ in Float.random(in: -0.3...0.3, using: &generator) }
        let utterances = randomUtterances(count: 3, width: width, lengths: 2...5, generator: &generator)
        for m in [2, 5, 50] {
            let results = try IntegratedGradients(steps: m, method: .riemannRight, baseline: .vector(b))
                .attribute(utterances, model: QuadraticModel(q: q))
            for (u, x) in utterances.enumerated() {
                let t = x.count / width
                let s = (0..<width).map { d in (0..<t).map { Double(x[$0 * width + d]) }.reduce(0, +) }
                let meanAlpha = Double(m + 1) / Double(2 * m)
                for i in 0..<x.count {
                    let d = i % width
                    let tb = Double(t) * Double(b[d])
                    let expected = Double(x[i] - b[d]) * 2 * q[d] * (tb + (s[d] - tb) * meanAlpha)
                    XCTAssertEqual(Double(results[u].frameAttributions[0][i]), expected, accuracy: floatTolerance)
                }
            }
        }
    }

    func testGaussLegendreIsExactOnQuadraticModel() throws {
        // The gradient is linear in α, which Gauss–Legendre integrates exactly for any m ≥ 1: c[d] = q_d S_d²
        // with a zero baseline, and completeness holds exactly.
        var generator = SplitMix64(state: 3)
        let width = 3
        let q = (0..<width).map { _ in Double.random(in: -1...1, using: &generator) }
        let utterances = randomUtterances(count: 3, width: width, lengths: 1...4, generator: &generator)
        for m in [1, 2, 9] {
            let results = try IntegratedGradients(steps: m, method: .gaussLegendre)
                .attribute(utterances, model: QuadraticModel(q: q))
            for (u, x) in utterances.enumerated() {
                let t = x.count / width
                for d in 0..<width {
                    let s = (0..<t).map { Double(x[$0 * width + d]) }.reduce(0, +)
                    XCTAssertEqual(results[u].attributions[0][d], q[d] * s * s, accuracy: 1e-4)
                }
                XCTAssertEqual(results[u].completenessDelta[0], 0, accuracy: 1e-4)
            }
        }
    }

    func testSigmoidOutputsMatchClosedFormAndCompletenessShrinksWithSteps() throws {
        // For F = σ(β + w·s) and a zero baseline, z(α) = β + α w·S, so
        // a[τ, d] = x[τ, d] w_d (σ(β + w·S) − σ(β)) / (w·S) exactly.
        var generator = SplitMix64(state: 4)
        let width = 6
        let weights = (0..<2).map { _ in (0..<width).map { _ in Double.random(in: -1.5...1.5, using: &generator) } }
        let model = SigmoidModel(weights: weights, bias: [0.4, -0.2])
        let utterances = randomUtterances(count: 5, width: width, lengths: 2...4, generator: &generator)

        let gaussLegendre = try IntegratedGradients(steps: 50, method: .gaussLegendre).attribute(
            utterances, model: model)
        for (u, x) in utterances.enumerated() {
            let t = x.count / width
            let s = (0..<width).map { d in (0..<t).map { Double(x[$0 * width + d]) }.reduce(0, +) }
            for j in 0..<2 {
                let z = zip(weights[j], s).map(*).reduce(0, +)
                let scale = (SigmoidModel.sigmoid(model.bias[j] + z) - SigmoidModel.sigmoid(model.bias[j])) / z
                for i in 0..<x.count {
                    let expected = Double(x[i]) * weights[j][i % width] * scale
                    XCTAssertEqual(Double(gaussLegendre[u].frameAttributions[j][i]), expected, accuracy: floatTolerance)
                }
            }
        }

        var previous = Double.infinity
        for m in [4, 16, 64] {
            let results = try IntegratedGradients(steps: m, method: .riemannRight).attribute(utterances, model: model)
            let meanDelta = results.flatMap { $0.completenessDelta.map(abs) }.reduce(0, +) / Double(2 * results.count)
            XCTAssertLessThan(meanDelta, previous, "mean |delta| must shrink as m grows (m = \(m))")
            previous = meanDelta
        }
        XCTAssertLessThan(previous, 0.01)
    }

    func testInterpolatedCopiesGoThroughTheModelAsOneBatch() throws {
        var generator = SplitMix64(state: 5)
        let width = 3
        let model = LinearModel(weights: [[1, 2, 3]], bias: [0])
        let utterances = randomUtterances(count: 3, width: width, lengths: 2...5, generator: &generator)
        _ = try IntegratedGradients(steps: 50).attribute(utterances, model: model)
        XCTAssertEqual(model.gradientCalls, 1, "3 utterances x 50 steps fit one batch")
        XCTAssertEqual(model.rowsSeen, 150)
    }

    func testSplittingIntoSmallBatchesGivesTheSameAttributions() throws {
        var generator = SplitMix64(state: 6)
        let width = 4
        let model = SigmoidModel(weights: [[0.5, -1, 0.25, 2], [1, 1, -1, 0]], bias: [0, 0.1])
        let utterances = randomUtterances(count: 4, width: width, lengths: 1...7, generator: &generator)
        let whole = try IntegratedGradients(steps: 10).attribute(utterances, model: model)
        // One row (a single interpolated copy) per model call: every copy padded differently, or not at all.
        let rowAtATime = try IntegratedGradients(steps: 10, maxBatchFloats: 1).attribute(utterances, model: model)
        let oneByOne = try utterances.flatMap { try IntegratedGradients(steps: 10).attribute([$0], model: model) }
        for u in utterances.indices {
            for j in 0..<2 {
                XCTAssertEqual(whole[u].frameAttributions[j], rowAtATime[u].frameAttributions[j])
                XCTAssertEqual(whole[u].frameAttributions[j], oneByOne[u].frameAttributions[j])
            }
        }
    }

    /// A pass attributes without keeping frames: each utterance is summarised after its last row and its
    /// sums freed. The summaries must be those made from the kept frames, to the bit, however the rows are
    /// cut into batches (an utterance spread over several batches included).
    func testSummariesWithoutKeptFramesEqualThoseFromTheFrames() throws {
        var generator = SplitMix64(state: 8)
        let width = 4
        let model = SigmoidModel(weights: [[0.5, -1, 0.25, 2], [1, 1, -1, 0]], bias: [0, 0.1])
        let utterances = randomUtterances(count: 6, width: width, lengths: 1...9, generator: &generator)
        let kept = try IntegratedGradients(steps: 7, method: .gaussLegendre).attribute(utterances, model: model)
        for maxBatchFloats in [1, 40, 1 << 20] {
            let method = IntegratedGradients(steps: 7, method: .gaussLegendre, maxBatchFloats: maxBatchFloats)
            let lean = try method.attribute(utterances, model: model, keepingFrames: false)
            XCTAssertEqual(lean.count, kept.count)
            for (a, b) in zip(lean, kept) {
                XCTAssertTrue(a.frameAttributions.isEmpty, "no frames kept (batch \(maxBatchFloats))")
                XCTAssertFalse(b.frameAttributions.isEmpty)
                XCTAssertEqual(a.attributions, b.attributions, "c (batch \(maxBatchFloats))")
                XCTAssertEqual(a.frameMeanAbsolute, b.frameMeanAbsolute, "frame mean |a| (batch \(maxBatchFloats))")
                XCTAssertEqual(a.completenessDelta, b.completenessDelta)
            }
        }
    }

    func testBadInputsThrowTypedErrors() throws {
        let model = LinearModel(weights: [[1, 2]], bias: [0])
        XCTAssertThrowsError(
            try IntegratedGradients(steps: 1, method: .riemannRight).attribute([[1, 2]], model: model)
        ) {
            XCTAssertEqual($0 as? AttributionError, .invalidSteps(1, method: .riemannRight))
        }
        XCTAssertThrowsError(try IntegratedGradients(baseline: .vector([1])).attribute([[1, 2]], model: model)) {
            XCTAssertEqual($0 as? AttributionError, .baselineWidth(expected: 2, actual: 1))
        }
        XCTAssertThrowsError(try IntegratedGradients().attribute([[1, 2], [1, 2, 3]], model: model)) {
            XCTAssertEqual($0 as? AttributionError, .utteranceShape(index: 1, floats: 3, width: 2))
        }
        XCTAssertThrowsError(try IntegratedGradients().attribute([[]], model: model)) {
            XCTAssertEqual($0 as? AttributionError, .utteranceShape(index: 0, floats: 0, width: 2))
        }
        XCTAssertThrowsError(try IntegratedGradients().attribute([[1, 2]], model: model, outputs: [1])) {
            XCTAssertEqual($0 as? AttributionError, .outputOutOfRange(1, outputCount: 1))
        }
    }
}

final class ReplicaTests: XCTestCase {
    func testReplicasOnThreadsGiveTheSameAttributionsInOrder() throws {
        var generator = SplitMix64(state: 7)
        let width = 3
        let weights: [[Double]] = [[0.5, -1, 0.25], [1, 1, -1]]
        let utterances = randomUtterances(count: 9, width: width, lengths: 1...8, generator: &generator)
        let ig = IntegratedGradients(steps: 6)
        let single = try ig.attribute(utterances, model: SigmoidModel(weights: weights, bias: [0, 0.1]))
        let replicas = (0..<3).map { _ in SigmoidModel(weights: weights, bias: [0, 0.1]) }
        let threaded = try ig.attribute(utterances, replicas: replicas)
        XCTAssertEqual(threaded.count, single.count)
        for (a, b) in zip(threaded, single) { XCTAssertEqual(a.frameAttributions, b.frameAttributions) }
    }

    func testContiguousGroupsCoverEveryIndexOnce() {
        for (sizes, count) in [([5, 1, 1, 1, 9, 2], 2), ([1, 1], 2), ([3, 3, 3], 3), ([10, 1, 1, 1], 3), ([2], 1)] {
            let groups = IntegratedGradients.contiguousGroups(sizes, count: count)
            XCTAssertEqual(groups.count, count, "\(sizes)")
            XCTAssertEqual(groups.flatMap { Array($0) }, Array(sizes.indices), "\(sizes)")
            XCTAssertTrue(groups.allSatisfy { !$0.isEmpty }, "\(sizes) \(groups)")
        }
    }
}
