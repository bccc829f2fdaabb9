import Attribution
import Foundation
// Small models with closed-form gradients for testing Integrated Gradients, written here from their
// formulas (independent of any code under test). Each sums over a sequence's valid frames only.
import Learn
import Numerics

/// s[d] = Σ_{τ < T} x[τ, d] for sequence `i` of `batch`.
func frameSums(_ batch: FrameBatch<Float>, _ i: Int) -> [Double] {
    var sums = [Double](repeating: 0, count: batch.width)
    for t in 0..<batch.lengths[i] {
        let row = (t * batch.batchSize + i) * batch.width
        for d in 0..<batch.width { sums[d] += Double(batch.frames[row + d]) }
    }
    return sums
}

/// Writes `perDimension[d]` into every valid frame of sequence `i` of a gradient in the batch's layout.
func fill(_ gradient: inout [Float], _ batch: FrameBatch<Float>, _ i: Int, _ perDimension: [Double]) {
    for t in 0..<batch.lengths[i] {
        let row = (t * batch.batchSize + i) * batch.width
        for d in 0..<batch.width { gradient[row + d] = Float(perDimension[d]) }
    }
}

/// F_j(x) = Σ_τ Σ_d W[j][d] x[τ, d] + bias[j]: gradient W[j] on every valid frame, so IG = W ⊙ (x − b).
final class LinearModel: AttributableModel {
    let weights: [[Double]]
    let bias: [Double]
    private(set) var gradientCalls = 0
    private(set) var rowsSeen = 0

    init(weights: [[Double]], bias: [Double]) {
        self.weights = weights
        self.bias = bias
    }

    var inputWidth: Int { weights[0].count }
    var outputCount: Int { weights.count }

    func outputs(for batch: FrameBatch<Float>) throws -> [Float] {
        (0..<batch.batchSize).flatMap { i -> [Float] in
            let s = frameSums(batch, i)
            return (0..<outputCount).map { j in
                Float(zip(weights[j], s).map(*).reduce(0, +) + bias[j])
            }
        }
    }

    func inputGradients(for batch: FrameBatch<Float>, output j: Int) throws -> [Float] {
        gradientCalls += 1
        rowsSeen += batch.batchSize
        var gradient = [Float](repeating: 0, count: batch.frames.count)
        for i in 0..<batch.batchSize { fill(&gradient, batch, i, weights[j]) }
        return gradient
    }
}

/// F(x) = Σ_d q[d] s[d]², s = Σ_τ x[τ]: ∂F/∂x[τ, d] = 2 q[d] s[d], linear along any straight path.
final class QuadraticModel: AttributableModel {
    let q: [Double]
    init(q: [Double]) { self.q = q }
    var inputWidth: Int { q.count }
    var outputCount: Int { 1 }

    func outputs(for batch: FrameBatch<Float>) throws -> [Float] {
        (0..<batch.batchSize).map { i in
            Float(zip(q, frameSums(batch, i)).map { $0 * $1 * $1 }.reduce(0, +))
        }
    }

    func inputGradients(for batch: FrameBatch<Float>, output j: Int) throws -> [Float] {
        var gradient = [Float](repeating: 0, count: batch.frames.count)
        for i in 0..<batch.batchSize { fill(&gradient, batch, i, zip(q, frameSums(batch, i)).map { 2 * $0 * $1 }) }
        return gradient
    }
}

/// Binary-style outputs F_j(x) = σ(β_j + Σ_d w[j][d] s[d]) (post-sigmoid), s = Σ_τ x[τ].
final class SigmoidModel: AttributableModel {
    let weights: [[Double]]
    let bias: [Double]
    init(weights: [[Double]], bias: [Double]) {
        self.weights = weights
        self.bias = bias
    }
    var inputWidth: Int { weights[0].count }
    var outputCount: Int { weights.count }

    static func sigmoid(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

    func logit(_ s: [Double], _ j: Int) -> Double { bias[j] + zip(weights[j], s).map(*).reduce(0, +) }

    func outputs(for batch: FrameBatch<Float>) throws -> [Float] {
        (0..<batch.batchSize).flatMap { i -> [Float] in
            let s = frameSums(batch, i)
            return (0..<outputCount).map { Float(Self.sigmoid(logit(s, $0))) }
        }
    }

    func inputGradients(for batch: FrameBatch<Float>, output j: Int) throws -> [Float] {
        var gradient = [Float](repeating: 0, count: batch.frames.count)
        for i in 0..<batch.batchSize {
            let p = Self.sigmoid(logit(frameSums(batch, i), j))
            fill(&gradient, batch, i, weights[j].map { $0 * p * (1 - p) })
        }
        return gradient
    }
}

/// `count` utterances of random lengths in `lengths` and width `width`, values in [-1, 1].
func randomUtterances(
    count: Int, width: Int, lengths: ClosedRange<Int>, generator: inout SplitMix64
) -> [[Float]] {
    (0..<count).map { _ in
        let t = Int.random(in: lengths, using: &generator)
        return (0..<t * width).map { _ in Float.random(in: -1...1, using: &generator) }
    }
}
