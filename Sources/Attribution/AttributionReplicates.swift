import Numerics
import Saliency

/// B Poisson-bootstrap replicates of the IG score (the mean over utterances of |c[u, d]|, averaged over the
/// attributed outputs): replicate b holds Σ_u w_b(u) and Σ_u w_b(u) · |c[u, d]| per (output, dimension), with
/// w_b(u) = `PoissonBootstrap.weight(seed:replicate: b, key:)` of the utterance's id, the weights CCS's
/// replicates give the same utterance. Integer weights make a replicate exactly the sums over a resample, and
/// sums merge by adding, so replicates are the same whichever worker attributed which utterances.
///
/// Only the score's numerator and denominator are kept (not |c|'s spread, the signed mean or the completeness
/// deltas): that is all a replicate's selection needs. Size: B · (1 + K · D) Doubles, 0.8 MB for B = 100,
/// K = 1, D = 1024; the IG task adds it to its result.
public struct AttributionReplicates: Sendable, Equatable {
    /// Input width D.
    public let width: Int
    /// Attributed outputs K.
    public let outputCount: Int
    /// The seed of every weight.
    public let seed: UInt64
    /// Σ_u w_b(u) per replicate b.
    public private(set) var totals: [Double]
    /// Σ_u w_b(u) · |c[u, d]| at [(b · K + k) · D + d].
    public private(set) var sums: [Double]

    /// Replicates B.
    public var count: Int { totals.count }

    /// Empty replicates (the merge identity).
    public init(width: Int, outputCount: Int, replicates: Int, seed: UInt64) {
        self.width = width
        self.outputCount = outputCount
        self.seed = seed
        totals = [Double](repeating: 0, count: replicates)
        sums = [Double](repeating: 0, count: replicates * outputCount * width)
    }

    /// Adds one utterance, whose bootstrap key is `key` (`PoissonBootstrap.key(of:)` of its id).
    /// - Throws: `AttributionError.shapeMismatch` when the attribution has another width or output count.
    public mutating func add(_ utterance: UtteranceAttribution, key: UInt64) throws {
        guard utterance.width == width, utterance.outputs.count == outputCount else {
            throw AttributionError.shapeMismatch(
                expected: "D=\(width), \(outputCount) outputs",
                actual: "D=\(utterance.width), \(utterance.outputs.count) outputs")
        }
        for replicate in 0..<count {
            let weight = Double(PoissonBootstrap.weight(seed: seed, replicate: replicate, key: key))
            guard weight > 0 else { continue }
            totals[replicate] += weight
            for k in 0..<outputCount {
                let base = (replicate * outputCount + k) * width
                let c = utterance.attributions[k]
                for d in 0..<width { sums[base + d] += weight * Swift.abs(c[d]) }
            }
        }
    }

    /// Folds `other` in (sums add).
    /// - Throws: `AttributionError.shapeMismatch` when the shape, the replicate count or the seed differ.
    public mutating func merge(_ other: AttributionReplicates) throws {
        guard other.width == width, other.outputCount == outputCount, other.count == count, other.seed == seed else {
            throw AttributionError.shapeMismatch(
                expected: "\(count) replicates of seed \(seed), D=\(width), \(outputCount) outputs",
                actual:
                    "\(other.count) replicates of seed \(other.seed), D=\(other.width), \(other.outputCount) outputs")
        }
        for index in totals.indices { totals[index] += other.totals[index] }
        for index in sums.indices { sums[index] += other.sums[index] }
    }

    /// Replicate b's IG score per dimension: Σ w|c| / Σ w per output, averaged over the outputs (as
    /// `AttributionStatistics.meanAbsolute`); zeros for a replicate that drew no utterance.
    public func scores(replicate: Int) -> [Double] {
        var out = [Double](repeating: 0, count: width)
        let total = totals[replicate]
        guard total > 0, outputCount > 0 else { return out }
        for k in 0..<outputCount {
            let base = (replicate * outputCount + k) * width
            for d in 0..<width { out[d] += sums[base + d] / total }
        }
        return out.map { $0 / Double(outputCount) }
    }

    /// Every replicate's scores, `out[b][d]`.
    public var allScores: [[Double]] { (0..<count).map(scores(replicate:)) }

    /// The serialised replicates: Saliency's partial framing (kind `attributionReplicates`), then D, K, B, the
    /// seed, the totals [B] and the sums [B·K·D].
    public var bytes: [UInt8] {
        var encoder = PartialEncoder(kind: .attributionReplicates)
        encoder.write(width)
        encoder.write(outputCount)
        encoder.write(count)
        encoder.write(seed)
        encoder.write(totals)
        encoder.write(sums)
        return encoder.bytes()
    }

    /// Reads replicates written by `bytes`.
    /// - Throws: `PartialDecodingError` naming what is wrong; never traps on garbage.
    public init(bytes: [UInt8]) throws {
        var reader = try PartialDecoder(bytes, kind: .attributionReplicates)
        let width = try reader.readCount("width", limit: bytes.count)
        let outputCount = try reader.readCount("output count", limit: bytes.count)
        let replicates = try reader.readCount("replicates", limit: bytes.count)
        let (cells, overflow) = width.multipliedReportingOverflow(by: outputCount)
        let (values, overflow2) = cells.multipliedReportingOverflow(by: replicates)
        guard !overflow, !overflow2, values <= bytes.count / 8 else {
            throw PartialDecodingError.invalidField(
                "B=\(replicates) x K=\(outputCount) x D=\(width) replicate sums exceed the \(bytes.count) bytes")
        }
        self.width = width
        self.outputCount = outputCount
        seed = try reader.readUInt64()
        totals = try reader.readDoubles(expected: replicates, field: "replicate totals")
        sums = try reader.readDoubles(expected: values, field: "replicate sums")
        for (field, array) in [("replicate totals", totals), ("replicate sums", sums)] {
            if let bad = array.firstIndex(where: { !$0.isFinite || $0 < 0 }) {
                throw PartialDecodingError.invalidField("\(field)[\(bad)] = \(array[bad])")
            }
        }
        try reader.finish()
    }
}
