/// Per-dimension statistics of Integrated Gradients attributions over utterances, for each attributed output:
/// the mean of |c[u, d]| with its spread (Welford, merged by Chan's pairwise formula, in Double), the signed
/// mean of c[u, d], the mean of the frame-wise (1/T) Σ_τ |a[u, τ, d]|, and the mean and largest
/// |completeness delta|. c[u, d] = Σ_τ a[u, τ, d] is an utterance's attribution summed over its frames.
///
/// A partial: `merge` is associative and commutative up to floating-point rounding, and a value made with
/// `init(width:outputs:)` and no utterances is its identity, so utterances can be sharded over workers in
/// any pieces and in any order.
import Numerics

public struct AttributionStatistics: Sendable, Equatable {
    /// Input width D.
    public let width: Int
    /// The model output indices attributed, in the order of every per-output value here.
    public let outputs: [Int]
    /// Utterances seen.
    public private(set) var count: Int
    /// Running mean of |c| per (output, dimension), [output * width + d].
    var absoluteMean: [Double]
    /// Sum of squared deviations of |c| from its running mean per (output, dimension).
    var absoluteM2: [Double]
    /// Σ_u c[u, d] per (output, dimension).
    var signedSum: [Double]
    /// Σ_u (1/T_u) Σ_τ |a[u, τ, d]| per (output, dimension).
    var frameAbsoluteSum: [Double]
    /// Σ_u |delta_u| per output.
    var deltaAbsoluteSum: [Double]
    /// max_u |delta_u| per output (0 when empty).
    var deltaAbsoluteMax: [Double]

    /// The empty statistics (the merge identity) for a model of `width` inputs, attributing `outputs`.
    public init(width: Int, outputs: [Int]) {
        self.width = width
        self.outputs = outputs
        count = 0
        let cells = width * outputs.count
        absoluteMean = Array(repeating: 0, count: cells)
        absoluteM2 = Array(repeating: 0, count: cells)
        signedSum = Array(repeating: 0, count: cells)
        frameAbsoluteSum = Array(repeating: 0, count: cells)
        deltaAbsoluteSum = Array(repeating: 0, count: outputs.count)
        deltaAbsoluteMax = Array(repeating: 0, count: outputs.count)
    }

    /// Every field given; used by decoding.
    init(
        width: Int, outputs: [Int], count: Int, absoluteMean: [Double], absoluteM2: [Double],
        signedSum: [Double], frameAbsoluteSum: [Double], deltaAbsoluteSum: [Double], deltaAbsoluteMax: [Double]
    ) {
        self.width = width
        self.outputs = outputs
        self.count = count
        self.absoluteMean = absoluteMean
        self.absoluteM2 = absoluteM2
        self.signedSum = signedSum
        self.frameAbsoluteSum = frameAbsoluteSum
        self.deltaAbsoluteSum = deltaAbsoluteSum
        self.deltaAbsoluteMax = deltaAbsoluteMax
    }

    /// Adds one utterance (Welford's update for |c|).
    /// - Throws: `AttributionError.shapeMismatch` when the attribution has another width or outputs.
    public mutating func add(_ utterance: UtteranceAttribution) throws {
        guard utterance.width == width, utterance.outputs == outputs else {
            throw AttributionError.shapeMismatch(
                expected: shapeName, actual: "D=\(utterance.width) outputs=\(utterance.outputs)")
        }
        count += 1
        let n = Double(count)
        let deltas = utterance.completenessDelta
        for k in outputs.indices {
            let c = utterance.attributions[k]
            let frame = utterance.frameMeanAbsolute[k]
            for d in 0..<width {
                let cell = k * width + d
                let value = Swift.abs(c[d])
                let step = value - absoluteMean[cell]
                absoluteMean[cell] += step / n
                absoluteM2[cell] += step * (value - absoluteMean[cell])
                signedSum[cell] += c[d]
                frameAbsoluteSum[cell] += frame[d]
            }
            let delta = Swift.abs(deltas[k])
            deltaAbsoluteSum[k] += delta
            deltaAbsoluteMax[k] = Swift.max(deltaAbsoluteMax[k], delta)
        }
    }

    /// Adds every utterance of `utterances`.
    public mutating func add(contentsOf utterances: [UtteranceAttribution]) throws {
        for utterance in utterances { try add(utterance) }
    }

    /// Folds `other` in (Chan et al.'s pairwise update for the |c| moments; sums add; maxima take the max).
    /// - Throws: `AttributionError.shapeMismatch` when the width or the outputs differ.
    public mutating func merge(_ other: AttributionStatistics) throws {
        guard other.width == width, other.outputs == outputs else {
            throw AttributionError.shapeMismatch(expected: shapeName, actual: other.shapeName)
        }
        if other.count == 0 { return }
        if count == 0 {
            self = other
            return
        }
        let merge = PairwiseMerge(countA: count, countB: other.count)
        let deltas = PairwiseMerge.deltas(absoluteMean, other.absoluteMean)
        merge.addSquares(&absoluteM2, other.absoluteM2, deltas: deltas)
        merge.moveMeans(&absoluteMean, by: deltas)
        for cell in signedSum.indices {
            signedSum[cell] += other.signedSum[cell]
            frameAbsoluteSum[cell] += other.frameAbsoluteSum[cell]
        }
        for k in outputs.indices {
            deltaAbsoluteSum[k] += other.deltaAbsoluteSum[k]
            deltaAbsoluteMax[k] = Swift.max(deltaAbsoluteMax[k], other.deltaAbsoluteMax[k])
        }
        count += other.count
    }

    /// `self` merged with `other`.
    public func merged(with other: AttributionStatistics) throws -> AttributionStatistics {
        var result = self
        try result.merge(other)
        return result
    }

    var shapeName: String { "D=\(width) outputs=\(outputs)" }
}
