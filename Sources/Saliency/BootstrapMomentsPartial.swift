import COpenBLAS
import Numerics

/// B Poisson-bootstrap replicates of ``MomentsPartial``: replicate b holds the moments of the data in which
/// every utterance counts `PoissonBootstrap.weight(seed:replicate: b, key:)` times. Weights are integers, so a
/// replicate is exactly the moments of a resample, its count is the replicate's total weight, and replicates
/// merge exactly whatever the cutting of the data.
///
/// Kept as weighted sums about one centre (c, the first batch's means), not as B moments partials: replicate
/// b is W_b = Σw, S₁ = Σw(x − c), S₂ = Σw(x − c)², Sxy = Σw(x − c)(y − c_y). A batch's sums are one matrix
/// product; merging another partial shifts its sums to this centre (S₁ + W·δ, S₂ + 2δS₁ + W·δ², Sxy + δx·S₁y
/// + δy·S₁x + W·δx·δy, with δ the difference of the centres) and adds: one pass over B × columns, where B
/// Chan merges of B moments partials per batch, with their allocations, cost the statistics pass as much again
/// (`ops/bench/bootstrap`). A replicate's moments (``replicates``) come out as mean = c + S₁/W,
/// M2 = S₂ − S₁²/W, C = Sxy − S₁x·S₁y/W. The centre is the data's (a batch mean), so the subtraction stays
/// small: |δ| is the spread of batch means, not of the values.
///
/// Size: B × (D · (2 + T) + 2T + 1) Doubles, e.g. 4.1 MB for B = 100, D = 1024, T = 3.
public struct BootstrapMomentsPartial: MergeablePartial, Equatable, Sendable {
    /// The serialisation tag.
    public static let kind = PartialKind.bootstrapSums

    /// The seed every weight is derived from.
    public private(set) var seed: UInt64
    /// Global dimension indices covered.
    public let dimensions: Range<Int>
    /// Targets T.
    public let targetCount: Int
    /// The centre c of every dimension, then of every target (D + T); meaningful once `centred`.
    private var centre: [Double]
    /// Whether any data has set the centre (an empty partial adopts the first it merges).
    private var centred = false
    /// W_b, the total weight of each replicate.
    private var totals: [Double]
    /// Per replicate, `columns` sums: [S₁x (D) | S₁y (T) | S₂x (D) | S₂y (T) | Sxy (T × D, target-major)].
    private var sums: [Double]

    /// Replicates B.
    public var count: Int { totals.count }

    /// Sums per replicate.
    private var columns: Int { Self.columns(dimensions.count, targetCount) }

    static func columns(_ width: Int, _ targets: Int) -> Int { width * (2 + targets) + 2 * targets }

    /// Empty replicates (the merge identity).
    public init(dimensions: Range<Int>, targetCount: Int, replicates: Int, seed: UInt64) {
        self.seed = seed
        self.dimensions = dimensions
        self.targetCount = targetCount
        centre = [Double](repeating: 0, count: dimensions.count + targetCount)
        totals = [Double](repeating: 0, count: replicates)
        sums = [Double](repeating: 0, count: replicates * Self.columns(dimensions.count, targetCount))
    }

    /// The replicates of one batch, whose rows must carry their utterance keys.
    ///
    /// Rows are centred on the batch's unweighted means and summed per utterance (consecutive rows with the
    /// same key: frame pooling's frames share their utterance's weight); every replicate's weighted sums then
    /// come from one matrix product (weights B × utterances) · (utterances × columns).
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
        // The centre: the batch's means.
        for row in 0..<rows {
            for column in 0..<width { centre[column] += batch.features[row * width + column] }
            for target in 0..<targets { centre[width + target] += batch.targets[row * targets + target] }
        }
        for index in centre.indices { centre[index] /= Double(rows) }
        centred = true
        var groupKeys = [UInt64]()
        var groupRows = [Double]()
        for key in keys {
            if groupKeys.last != key {
                groupKeys.append(key)
                groupRows.append(0)
            }
            groupRows[groupRows.count - 1] += 1
        }
        let columns = self.columns
        var grouped = [Double](repeating: 0, count: groupKeys.count * columns)
        grouped.withUnsafeMutableBufferPointer { out in
            batch.features.withUnsafeBufferPointer { features in
                batch.targets.withUnsafeBufferPointer { values in
                    centre.withUnsafeBufferPointer { centre in
                        var group = -1
                        for row in 0..<rows {
                            if row == 0 || keys[row] != keys[row - 1] { group += 1 }
                            let base = group * columns
                            let x = row * width
                            for column in 0..<width {
                                let value = features[x + column] - centre[column]
                                out[base + column] += value
                                out[base + width + targets + column] += value * value
                            }
                            for target in 0..<targets {
                                let value = values[row * targets + target] - centre[width + target]
                                out[base + width + target] += value
                                out[base + 2 * width + targets + target] += value * value
                                let products = base + 2 * width + 2 * targets + target * width
                                for column in 0..<width {
                                    out[products + column] += (features[x + column] - centre[column]) * value
                                }
                            }
                        }
                    }
                }
            }
        }
        let groups = groupKeys.count
        let weights = PoissonBootstrap.weights(seed: seed, replicates: count, keys: groupKeys)
        cblas_dgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(columns), Int32(groups), 1, weights,
            Int32(groups), grouped, Int32(columns), 0, &sums, Int32(columns))
        for replicate in 0..<count {
            var total = 0.0
            for group in 0..<groups { total += weights[replicate * groups + group] * groupRows[group] }
            totals[replicate] = total
        }
    }

    /// Each replicate as the moments of its resample (an empty partial where the replicate drew no row).
    public var replicates: [MomentsPartial] { (0..<count).map(moments(ofReplicate:)) }

    /// Replicate b's moments (mean = c + S₁/W, M2 = S₂ − S₁²/W, C = Sxy − S₁x·S₁y/W).
    public func moments(ofReplicate replicate: Int) -> MomentsPartial {
        let width = dimensions.count
        let targets = targetCount
        let total = totals[replicate]
        guard total > 0 else { return MomentsPartial(dimensions: dimensions, targetCount: targets) }
        let row = replicate * columns
        let sumY = width
        let squaresX = width + targets
        let squaresY = 2 * width + targets
        let products = 2 * width + 2 * targets
        let meanX = (0..<width).map { centre[$0] + sums[row + $0] / total }
        let meanY = (0..<targets).map { centre[width + $0] + sums[row + sumY + $0] / total }
        let m2X = (0..<width).map { max(0, sums[row + squaresX + $0] - sums[row + $0] * sums[row + $0] / total) }
        let m2Y = (0..<targets).map {
            max(0, sums[row + squaresY + $0] - sums[row + sumY + $0] * sums[row + sumY + $0] / total)
        }
        var cross = [Double](repeating: 0, count: width * targets)
        for column in 0..<width {
            for target in 0..<targets {
                cross[column * targets + target] =
                    sums[row + products + target * width + column] - sums[row + column] * sums[row + sumY + target]
                    / total
            }
        }
        return MomentsPartial(
            dimensions: dimensions, targetCount: targets, count: Int(total), meanX: meanX, meanY: meanY, m2X: m2X,
            m2Y: m2Y, cross: cross)
    }

    /// Folds `other` in: its sums shifted to this centre, then added. Both sides must share the seed, the
    /// number of replicates and the shape.
    public mutating func merge(_ other: BootstrapMomentsPartial) throws {
        guard other.seed == seed, other.count == count, other.dimensions == dimensions,
            other.targetCount == targetCount
        else {
            throw SaliencyError.shapeMismatch(
                what: "bootstrap moments merge",
                expected: "\(count) replicates of seed \(seed) over \(dimensions), \(targetCount) targets",
                found:
                    "\(other.count) replicates of seed \(other.seed) over \(other.dimensions), \(other.targetCount) targets"
            )
        }
        guard other.centred else { return }
        guard centred else {
            self = other
            return
        }
        let width = dimensions.count
        let targets = targetCount
        let columns = self.columns
        let delta = (0..<(width + targets)).map { other.centre[$0] - centre[$0] }
        let weights = other.totals
        for replicate in 0..<count { totals[replicate] += weights[replicate] }
        let replicates = count
        sums.withUnsafeMutableBufferPointer { mine in
            other.sums.withUnsafeBufferPointer { theirs in
                for replicate in 0..<replicates {
                    let w = weights[replicate]
                    let row = replicate * columns
                    let sumY = row + width
                    let squaresX = row + width + targets
                    let squaresY = row + 2 * width + targets
                    let products = row + 2 * width + 2 * targets
                    for d in 0..<width {
                        let s1 = theirs[row + d]
                        mine[row + d] += s1 + w * delta[d]
                        mine[squaresX + d] += theirs[squaresX + d] + 2 * delta[d] * s1 + w * delta[d] * delta[d]
                    }
                    for t in 0..<targets {
                        let dy = delta[width + t]
                        let s1y = theirs[sumY + t]
                        mine[sumY + t] += s1y + w * dy
                        mine[squaresY + t] += theirs[squaresY + t] + 2 * dy * s1y + w * dy * dy
                        let base = products + t * width
                        for d in 0..<width {
                            mine[base + d] +=
                                theirs[base + d] + delta[d] * s1y + dy * theirs[row + d] + w * delta[d] * dy
                        }
                    }
                }
            }
        }
    }

    /// The seed, B, the first dimension, D, T, the centre [D + T], the totals [B] and the sums [B · columns];
    /// Doubles as their bit patterns, so a round trip is exact.
    public func serialized() -> [UInt8] {
        var encoder = PartialEncoder(kind: Self.kind)
        encoder.write(seed)
        encoder.write(count)
        encoder.write(dimensions.lowerBound)
        encoder.write(dimensions.count)
        encoder.write(targetCount)
        encoder.write(centred ? 1 : 0)
        encoder.write(centre)
        encoder.write(totals)
        encoder.write(sums)
        return encoder.bytes()
    }

    /// Reads bytes of ``serialized()``, or of the earlier form (kind `bootstrapMoments`: one moments partial
    /// per replicate, as results in a ledger written by an earlier build hold them).
    public init(serialized bytes: [UInt8]) throws {
        if bytes.count >= 8, UInt16(bytes[6]) | UInt16(bytes[7]) << 8 == PartialKind.bootstrapMoments.rawValue {
            self = try Self.fromReplicateMoments(bytes)
            return
        }
        var decoder = try PartialDecoder(bytes, kind: Self.kind)
        seed = try decoder.readUInt64()
        let count = try decoder.readCount("replicates", limit: bytes.count)
        let first = try decoder.readCount("first dimension")
        let width = try decoder.readCount("dimension count", limit: bytes.count)
        let targets = try decoder.readCount("target count", limit: bytes.count)
        let (columns, overflow) = (width + 1).multipliedReportingOverflow(by: targets + 2)
        let (values, overflow2) = columns.multipliedReportingOverflow(by: count)
        guard !overflow, !overflow2, values <= bytes.count / 8 else {
            throw PartialDecodingError.invalidField(
                "\(count) replicates of D=\(width), T=\(targets) sums cannot fit in \(bytes.count) bytes")
        }
        let centred = try decoder.readInt()
        guard centred == 0 || centred == 1 else {
            throw PartialDecodingError.invalidField("centred flag \(centred) is neither 0 nor 1")
        }
        dimensions = first..<(first + width)
        targetCount = targets
        self.centred = centred == 1
        centre = try decoder.readDoubles(expected: width + targets, field: "centre")
        totals = try decoder.readDoubles(expected: count, field: "replicate totals")
        sums = try decoder.readDoubles(expected: count * Self.columns(width, targets), field: "replicate sums")
        try decoder.finish()
        if let bad = totals.firstIndex(where: { !$0.isFinite || $0 < 0 || $0 != $0.rounded() }) {
            throw PartialDecodingError.invalidField("replicate total [\(bad)] = \(totals[bad]) is not a whole weight")
        }
        for (field, array) in [("centre", centre), ("replicate sums", sums)] {
            if let bad = array.firstIndex(where: { !$0.isFinite }) {
                throw PartialDecodingError.invalidField("\(field)[\(bad)] = \(array[bad])")
            }
        }
    }

    /// The earlier byte form: one moments partial per replicate, each turned into sums about replicate 0's
    /// means (the first replicate with data).
    static func fromReplicateMoments(_ bytes: [UInt8]) throws -> BootstrapMomentsPartial {
        var decoder = try PartialDecoder(bytes, kind: .bootstrapMoments)
        let seed = try decoder.readUInt64()
        let count = try decoder.readCount("replicates", limit: bytes.count)
        let first = try decoder.readCount("first dimension")
        let width = try decoder.readCount("dimension count", limit: bytes.count)
        let targets = try decoder.readCount("target count", limit: bytes.count)
        let (cells, overflow) = width.multipliedReportingOverflow(by: targets)
        let (values, overflow2) = cells.multipliedReportingOverflow(by: count)
        guard !overflow, !overflow2, values <= bytes.count else {
            throw PartialDecodingError.invalidField(
                "\(count) replicates of \(width) x \(targets) cross-moments cannot fit in \(bytes.count) bytes")
        }
        var moments = [MomentsPartial]()
        for _ in 0..<count {
            moments.append(
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
        var out = BootstrapMomentsPartial(
            dimensions: first..<(first + width), targetCount: targets, replicates: count, seed: seed)
        guard let reference = moments.first(where: { $0.count > 0 }) else { return out }
        out.centre = reference.meanX + reference.meanY
        out.centred = true
        let columns = out.columns
        for (replicate, m) in moments.enumerated() where m.count > 0 {
            let w = Double(m.count)
            out.totals[replicate] = w
            let row = replicate * columns
            let dx = (0..<width).map { m.meanX[$0] - out.centre[$0] }
            let dy = (0..<targets).map { m.meanY[$0] - out.centre[width + $0] }
            for d in 0..<width {
                out.sums[row + d] = w * dx[d]
                out.sums[row + width + targets + d] = m.m2X[d] + w * dx[d] * dx[d]
            }
            for t in 0..<targets {
                out.sums[row + width + t] = w * dy[t]
                out.sums[row + 2 * width + targets + t] = m.m2Y[t] + w * dy[t] * dy[t]
                for d in 0..<width {
                    out.sums[row + 2 * width + 2 * targets + t * width + d] =
                        m.cross[d * targets + t] + w * dx[d] * dy[t]
                }
            }
        }
        return out
    }

    /// Bytes of `replicates` replicates over `dimensions` and `targets` (for the bounds checked at submission).
    public static func byteCount(replicates: Int, dimensions: Int, targets: Int) -> Int {
        BootstrapLimits.momentsBytes(replicates: replicates, dimensions: dimensions, targets: targets)
    }
}
