import COpenBLAS
import Numerics

/// Count, means, centred second moments of every dimension and every target, and the centred cross-moments
/// of every (dimension, target) pair: everything Pearson's r needs, merged with Chan et al.'s pairwise
/// update in Double (never raw power sums, which lose precision when means are large).
///
/// For a batch, `m2X[d] = Σ (x[d] - meanX[d])²` and `cross[d·T + t] = Σ (x[d] - meanX[d]) (y[t] - meanY[t])`.
public struct MomentsPartial: MergeablePartial, Equatable, Sendable {
    /// The serialisation tag.
    public static let kind = PartialKind.moments

    /// Global dimension indices covered.
    public private(set) var dimensions: Range<Int>
    /// Number of targets.
    public private(set) var targetCount: Int
    /// Observations (rows) seen.
    public private(set) var count: Int = 0
    /// Mean of every dimension.
    public private(set) var meanX: [Double]
    /// Mean of every target.
    public private(set) var meanY: [Double]
    /// Centred sum of squares of every dimension.
    public private(set) var m2X: [Double]
    /// Centred sum of squares of every target.
    public private(set) var m2Y: [Double]
    /// Centred cross-moments, row-major `dimensions × targets`.
    public private(set) var cross: [Double]

    /// An empty partial (the merge identity) for `dimensions` and `targetCount` targets.
    public init(dimensions: Range<Int>, targetCount: Int) {
        self.dimensions = dimensions
        self.targetCount = targetCount
        meanX = [Double](repeating: 0, count: dimensions.count)
        meanY = [Double](repeating: 0, count: targetCount)
        m2X = meanX
        m2Y = meanY
        cross = [Double](repeating: 0, count: dimensions.count * targetCount)
    }

    /// A partial from its fields (a bootstrap replicate's, computed from weighted sums).
    init(
        dimensions: Range<Int>, targetCount: Int, count: Int, meanX: [Double], meanY: [Double], m2X: [Double],
        m2Y: [Double], cross: [Double]
    ) {
        self.dimensions = dimensions
        self.targetCount = targetCount
        self.count = count
        self.meanX = meanX
        self.meanY = meanY
        self.m2X = m2X
        self.m2Y = m2Y
        self.cross = cross
    }

    /// The moments of one batch (two passes over it: means, then centred products with BLAS).
    public init(_ batch: Observations) {
        self.init(dimensions: batch.dimensionRange, targetCount: batch.targetCount)
        let rows = batch.count
        guard rows > 0 else { return }
        let width = batch.dimensions
        let targets = batch.targetCount
        count = rows
        var centredX = batch.features
        var centredY = batch.targets
        centre(&centredX, rows: rows, columns: width, means: &meanX)
        centre(&centredY, rows: rows, columns: targets, means: &meanY)
        for row in 0..<rows {
            let base = row * width
            for column in 0..<width { m2X[column] += centredX[base + column] * centredX[base + column] }
            let yBase = row * targets
            for target in 0..<targets { m2Y[target] += centredY[yBase + target] * centredY[yBase + target] }
        }
        // cross = centredXᵀ · centredY, (width × rows) · (rows × targets).
        cblas_dgemm(
            CblasRowMajor, CblasTrans, CblasNoTrans, Int32(width), Int32(targets), Int32(rows), 1,
            centredX, Int32(width), centredY, Int32(targets), 0, &cross, Int32(targets))
    }

    /// Adds one batch of observations.
    public mutating func add(_ batch: Observations) throws {
        try merge(MomentsPartial(batch))
    }

    /// Chan et al.'s pairwise update: with n = nA + nB and δ = meanB − meanA,
    /// mean = meanA + δ·nB/n, M2 = M2A + M2B + δ²·nA·nB/n, C = CA + CB + δx·δy·nA·nB/n.
    public mutating func merge(_ other: MomentsPartial) throws {
        guard other.dimensions == dimensions, other.targetCount == targetCount else {
            throw SaliencyError.shapeMismatch(
                what: "moments merge", expected: "dimensions \(dimensions), \(targetCount) targets",
                found: "dimensions \(other.dimensions), \(other.targetCount) targets")
        }
        if other.count == 0 { return }
        if count == 0 {
            self = other
            return
        }
        let merge = PairwiseMerge(countA: count, countB: other.count)
        let deltaX = PairwiseMerge.deltas(meanX, other.meanX)
        let deltaY = PairwiseMerge.deltas(meanY, other.meanY)
        merge.addSquares(&m2X, other.m2X, deltas: deltaX)
        merge.addCross(&cross, other.cross, deltasX: deltaX, deltasY: deltaY)
        merge.addSquares(&m2Y, other.m2Y, deltas: deltaY)
        merge.moveMeans(&meanX, by: deltaX)
        merge.moveMeans(&meanY, by: deltaY)
        count += other.count
    }

    public func serialized() -> [UInt8] {
        var encoder = PartialEncoder(kind: Self.kind)
        encoder.write(dimensions.lowerBound)
        encoder.write(dimensions.count)
        encoder.write(targetCount)
        encoder.write(count)
        encoder.write(meanX)
        encoder.write(meanY)
        encoder.write(m2X)
        encoder.write(m2Y)
        encoder.write(cross)
        return encoder.bytes()
    }

    public init(serialized bytes: [UInt8]) throws {
        var decoder = try PartialDecoder(bytes, kind: Self.kind)
        let first = try decoder.readCount("first dimension")
        let width = try decoder.readCount("dimension count", limit: bytes.count)
        let targets = try decoder.readCount("target count", limit: bytes.count)
        guard width * targets <= bytes.count else {
            throw PartialDecodingError.invalidField(
                "\(width) x \(targets) cross-moments cannot fit in \(bytes.count) bytes")
        }
        self.init(dimensions: first..<(first + width), targetCount: targets)
        count = try decoder.readCount("count", limit: Int.max)
        meanX = try decoder.readDoubles(expected: width, field: "meanX")
        meanY = try decoder.readDoubles(expected: targets, field: "meanY")
        m2X = try decoder.readDoubles(expected: width, field: "m2X")
        m2Y = try decoder.readDoubles(expected: targets, field: "m2Y")
        cross = try decoder.readDoubles(expected: width * targets, field: "cross")
        try decoder.finish()
    }
}

/// Subtracts each column's mean from a row-major matrix in place, writing the means to `means`.
func centre(_ matrix: inout [Double], rows: Int, columns: Int, means: inout [Double]) {
    means = [Double](repeating: 0, count: columns)
    guard rows > 0 else { return }
    for row in 0..<rows {
        let base = row * columns
        for column in 0..<columns { means[column] += matrix[base + column] }
    }
    for column in 0..<columns { means[column] /= Double(rows) }
    for row in 0..<rows {
        let base = row * columns
        for column in 0..<columns { matrix[base + column] -= means[column] }
    }
}
