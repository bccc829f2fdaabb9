import COpenBLAS
import Numerics

/// B Poisson-bootstrap replicates of ``MomentsPartial``: replicate b holds the moments of the data in which
/// every utterance counts `PoissonBootstrap.weight(seed:replicate: b, key:)` times. Weights are integers, so a
/// replicate is exactly the moments of a resample, its count is the replicate's total weight, and replicates
/// merge with the same Chan et al. update as the statistic itself, whatever the cutting of the data.
///
/// Size: B × (D · (2 + T) + 2T + 1) Doubles, e.g. 4.1 MB for B = 100, D = 1024, T = 3.
public struct BootstrapMomentsPartial: MergeablePartial, Equatable, Sendable {
    /// The serialisation tag.
    public static let kind = PartialKind.bootstrapMoments

    /// The seed every weight is derived from.
    public private(set) var seed: UInt64
    /// One moments partial per replicate.
    public private(set) var replicates: [MomentsPartial]

    /// Global dimension indices covered.
    public var dimensions: Range<Int> { replicates.first?.dimensions ?? 0..<0 }

    /// Empty replicates (the merge identity).
    public init(dimensions: Range<Int>, targetCount: Int, replicates: Int, seed: UInt64) {
        self.seed = seed
        self.replicates = (0..<replicates).map { _ in MomentsPartial(dimensions: dimensions, targetCount: targetCount) }
    }

    /// The replicates of one batch, whose rows must carry their utterance keys.
    ///
    /// Rows are centred on the batch's unweighted means first and summed per utterance; every replicate's
    /// weighted sums Σw, Σw·x, Σw·x², Σw·x·y then come from one matrix product (weights B × utterances) ·
    /// (utterances × (D·(2 + T) + 2T)); the replicate's
    /// moments follow as mean = m + S₁/W, M2 = S₂ − S₁²/W, C = Sxy − S₁x·S₁y/W. Centring first keeps the
    /// subtraction small (the weighted mean moves only by S₁/W from the batch mean).
    /// - Complexity: O(n · D · T) to sum per utterance, then O(B · utterances · D · (T + 2)) in BLAS.
    /// - Throws: `SaliencyError.invalidParameter` when the rows carry no utterance keys.
    public init(_ batch: Observations, replicates count: Int, seed: UInt64) throws {
        self.init(
            dimensions: batch.dimensionRange, targetCount: batch.targetCount, replicates: count, seed: seed)
        let rows = batch.count
        guard rows > 0, count > 0 else { return }
        guard let keys = batch.rowKeys else {
            throw SaliencyError.invalidParameter("bootstrap replicates need the utterance of every row (no row keys)")
        }
        let width = batch.dimensions
        let targets = batch.targetCount
        // Means of the batch (the centre), then rows centred on the fly: no copy of the batch.
        var meanX = [Double](repeating: 0, count: width)
        var meanY = [Double](repeating: 0, count: targets)
        for row in 0..<rows {
            for column in 0..<width { meanX[column] += batch.features[row * width + column] }
            for target in 0..<targets { meanY[target] += batch.targets[row * targets + target] }
        }
        for column in 0..<width { meanX[column] /= Double(rows) }
        for target in 0..<targets { meanY[target] /= Double(rows) }
        // One row per utterance (consecutive rows with the same key: frame pooling's frames share their
        // utterance's weight), holding its sums [x | y | x² | y² | x·y₀ | x·y₁ …], so a single product
        // (B × utterances) · (utterances × columns) gives every replicate's weighted sums.
        let columns = width * (2 + targets) + 2 * targets
        var groupKeys = [UInt64]()
        var groupRows = [Double]()
        for key in keys {
            if groupKeys.last != key {
                groupKeys.append(key)
                groupRows.append(0)
            }
            groupRows[groupRows.count - 1] += 1
        }
        var sums = [Double](repeating: 0, count: groupKeys.count * columns)
        var centred = [Double](repeating: 0, count: width)
        var group = -1
        for row in 0..<rows {
            if row == 0 || keys[row] != keys[row - 1] { group += 1 }
            let base = group * columns
            let x = row * width
            for column in 0..<width {
                let value = batch.features[x + column] - meanX[column]
                centred[column] = value
                sums[base + column] += value
                sums[base + width + targets + column] += value * value
            }
            for target in 0..<targets {
                let value = batch.targets[row * targets + target] - meanY[target]
                sums[base + width + target] += value
                sums[base + 2 * width + targets + target] += value * value
                let products = base + 2 * width + 2 * targets + target * width
                for column in 0..<width { sums[products + column] += centred[column] * value }
            }
        }
        let groups = groupKeys.count
        let weights = PoissonBootstrap.weights(seed: seed, replicates: count, keys: groupKeys)
        var weighted = [Double](repeating: 0, count: count * columns)
        cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(columns), Int32(groups), 1, weights,
            Int32(groups), sums, Int32(columns), 0, &weighted, Int32(columns))
        // Offsets of the parts of a row of `weighted`.
        let sumY = width
        let squaresX = width + targets
        let squaresY = 2 * width + targets
        let products = 2 * width + 2 * targets
        for replicate in 0..<count {
            var total = 0.0
            for group in 0..<groups { total += weights[replicate * groups + group] * groupRows[group] }
            guard total > 0 else { continue }
            let row = replicate * columns
            let replicateMeanX = (0..<width).map { meanX[$0] + weighted[row + $0] / total }
            let replicateMeanY = (0..<targets).map { meanY[$0] + weighted[row + sumY + $0] / total }
            let m2X = (0..<width).map {
                max(0, weighted[row + squaresX + $0] - weighted[row + $0] * weighted[row + $0] / total)
            }
            let m2Y = (0..<targets).map {
                max(0, weighted[row + squaresY + $0] - weighted[row + sumY + $0] * weighted[row + sumY + $0] / total)
            }
            var cross = [Double](repeating: 0, count: width * targets)
            for column in 0..<width {
                for target in 0..<targets {
                    cross[column * targets + target] =
                        weighted[row + products + target * width + column] - weighted[row + column]
                        * weighted[row + sumY + target] / total
                }
            }
            replicates[replicate] = MomentsPartial(
                dimensions: batch.dimensionRange, targetCount: targets, count: Int(total), meanX: replicateMeanX,
                meanY: replicateMeanY, m2X: m2X, m2Y: m2Y, cross: cross)
        }
    }

    /// Merges replicate by replicate; both sides must share the seed and the number of replicates.
    public mutating func merge(_ other: BootstrapMomentsPartial) throws {
        guard other.seed == seed, other.replicates.count == replicates.count else {
            throw SaliencyError.shapeMismatch(
                what: "bootstrap moments merge", expected: "\(replicates.count) replicates of seed \(seed)",
                found: "\(other.replicates.count) replicates of seed \(other.seed)")
        }
        for index in replicates.indices { try replicates[index].merge(other.replicates[index]) }
    }

    public func serialized() -> [UInt8] {
        var encoder = PartialEncoder(kind: Self.kind)
        encoder.write(seed)
        encoder.write(replicates.count)
        let first = replicates.first ?? MomentsPartial(dimensions: 0..<0, targetCount: 0)
        encoder.write(first.dimensions.lowerBound)
        encoder.write(first.dimensions.count)
        encoder.write(first.targetCount)
        for replicate in replicates {
            encoder.write(replicate.count)
            encoder.write(replicate.meanX)
            encoder.write(replicate.meanY)
            encoder.write(replicate.m2X)
            encoder.write(replicate.m2Y)
            encoder.write(replicate.cross)
        }
        return encoder.bytes()
    }

    public init(serialized bytes: [UInt8]) throws {
        var decoder = try PartialDecoder(bytes, kind: Self.kind)
        seed = try decoder.readUInt64()
        let count = try decoder.readCount("replicates", limit: bytes.count)
        let first = try decoder.readCount("first dimension")
        let width = try decoder.readCount("dimension count", limit: bytes.count)
        let targets = try decoder.readCount("target count", limit: bytes.count)
        guard count * width * targets <= bytes.count else {
            throw PartialDecodingError.invalidField(
                "\(count) replicates of \(width) x \(targets) cross-moments cannot fit in \(bytes.count) bytes")
        }
        replicates = []
        for _ in 0..<count {
            replicates.append(
                MomentsPartial(
                    dimensions: first..<(first + width), targetCount: targets,
                    count: try decoder.readCount("count", limit: Int.max),
                    meanX: try decoder.readDoubles(expected: width, field: "meanX"),
                    meanY: try decoder.readDoubles(expected: targets, field: "meanY"),
                    m2X: try decoder.readDoubles(expected: width, field: "m2X"),
                    m2Y: try decoder.readDoubles(expected: targets, field: "m2Y"),
                    cross: try decoder.readDoubles(expected: width * targets, field: "cross")))
        }
        try decoder.finish()
    }

    /// Bytes of `replicates` replicates over `dimensions` and `targets` (for the bounds checked at submission).
    public static func byteCount(replicates: Int, dimensions: Int, targets: Int) -> Int {
        BootstrapLimits.momentsBytes(replicates: replicates, dimensions: dimensions, targets: targets)
    }
}
