import COpenBLAS
import Numerics

/// The centred co-moment matrix `Σ (x[r] − mean[r]) (x[c] − mean[c])` of the pooled vectors, for a block of
/// row dimensions against a block of column dimensions (the whole matrix when both are every dimension).
///
/// Blocks let D = 4096 fit a worker: a task covers one block pair (rows ≤ columns by convention), and
/// `assembled(from:)` puts the merged blocks back into the whole matrix. A batch is accumulated as a
/// centred BLAS `dsyrk` (diagonal block) or `dgemm` (off-diagonal), and partials merge with the pairwise
/// update `C = CA + CB + (nA·nB/n) δr δcᵀ` (`dger`).
public struct CovariancePartial: MergeablePartial, Equatable, Sendable {
    /// The serialisation tag.
    public static let kind = PartialKind.covariance

    /// Global dimensions of the block's rows.
    public let rows: Range<Int>
    /// Global dimensions of the block's columns.
    public let columns: Range<Int>
    /// Observations seen.
    public private(set) var count: Int = 0
    /// Means of the row dimensions.
    public private(set) var meanRows: [Double]
    /// Means of the column dimensions.
    public private(set) var meanColumns: [Double]
    /// Row-major `rows.count × columns.count` centred co-moments.
    public private(set) var comoments: [Double]

    /// Whether the block sits on the diagonal (rows and columns are the same dimensions).
    public var isDiagonal: Bool { rows == columns }

    /// An empty partial (the merge identity) for one block pair.
    public init(rows: Range<Int>, columns: Range<Int>) {
        self.rows = rows
        self.columns = columns
        meanRows = [Double](repeating: 0, count: rows.count)
        meanColumns = [Double](repeating: 0, count: columns.count)
        comoments = [Double](repeating: 0, count: rows.count * columns.count)
    }

    /// An empty partial covering every dimension of `dimensions` (the whole matrix).
    public init(dimensions: Range<Int>) { self.init(rows: dimensions, columns: dimensions) }

    /// Adds one batch; its columns must include both blocks.
    public mutating func add(_ batch: Observations) throws {
        let available = batch.dimensionRange
        guard rows.clamped(to: available) == rows, columns.clamped(to: available) == columns else {
            throw SaliencyError.shapeMismatch(
                what: "covariance batch", expected: "columns covering \(rows) and \(columns)", found: "\(available)")
        }
        guard batch.count > 0 else { return }
        var piece = CovariancePartial(rows: rows, columns: columns)
        piece.count = batch.count
        let n = Int32(batch.count)
        var centredRows = Self.block(of: batch, rows)
        centre(&centredRows, rows: batch.count, columns: rows.count, means: &piece.meanRows)
        if isDiagonal {
            piece.meanColumns = piece.meanRows
            let width = Int32(rows.count)
            // Upper triangle of centredRowsᵀ · centredRows, then mirrored.
            cblas_dsyrk(
                CblasRowMajor, CblasUpper, CblasTrans, width, n, 1, centredRows, width, 0, &piece.comoments, width)
            let size = rows.count
            for row in 0..<size {
                for column in 0..<row { piece.comoments[row * size + column] = piece.comoments[column * size + row] }
            }
        } else {
            var centredColumns = Self.block(of: batch, columns)
            centre(&centredColumns, rows: batch.count, columns: columns.count, means: &piece.meanColumns)
            cblas_dgemm(
                CblasRowMajor, CblasTrans, CblasNoTrans, Int32(rows.count), Int32(columns.count), n, 1, centredRows,
                Int32(rows.count), centredColumns, Int32(columns.count), 0, &piece.comoments, Int32(columns.count))
        }
        try merge(piece)
    }

    /// The columns `dimensions` of a batch as a contiguous row-major matrix.
    private static func block(of batch: Observations, _ dimensions: Range<Int>) -> [Double] {
        let start = dimensions.lowerBound - batch.firstDimension
        let width = dimensions.count
        var out = [Double](repeating: 0, count: batch.count * width)
        batch.features.withUnsafeBufferPointer { features in
            out.withUnsafeMutableBufferPointer { out in
                for row in 0..<batch.count {
                    let source = row * batch.dimensions + start
                    for column in 0..<width { out[row * width + column] = features[source + column] }
                }
            }
        }
        return out
    }

    /// Pairwise merge: with n = nA + nB and δ the difference of means,
    /// C = CA + CB + (nA·nB/n) δrows δcolumnsᵀ.
    public mutating func merge(_ other: CovariancePartial) throws {
        guard other.rows == rows, other.columns == columns else {
            throw SaliencyError.shapeMismatch(
                what: "covariance merge", expected: "block \(rows) x \(columns)",
                found: "block \(other.rows) x \(other.columns)")
        }
        if other.count == 0 { return }
        if count == 0 {
            self = other
            return
        }
        let merge = PairwiseMerge(countA: count, countB: other.count)
        let deltaRows = PairwiseMerge.deltas(meanRows, other.meanRows)
        let deltaColumns = PairwiseMerge.deltas(meanColumns, other.meanColumns)
        // C = CA + CB + w·δrows·δcolumnsᵀ, the outer product as one BLAS rank-1 update (D x D here).
        for index in comoments.indices { comoments[index] += other.comoments[index] }
        cblas_dger(
            CblasRowMajor, Int32(rows.count), Int32(columns.count), merge.weight, deltaRows, 1, deltaColumns, 1,
            &comoments, Int32(columns.count))
        merge.moveMeans(&meanRows, by: deltaRows)
        merge.moveMeans(&meanColumns, by: deltaColumns)
        count += other.count
        // (w·δi)·δj and (w·δj)·δi may differ in the last bit: keep a diagonal block exactly symmetric, so that
        // its upper triangle (all that is serialised, and all that PCA's `dsyevd` reads) says everything.
        if isDiagonal { Self.mirrorUpper(&comoments, size: rows.count) }
    }

    /// Copies the upper triangle of a row-major `size x size` matrix onto its lower one.
    private static func mirrorUpper(_ matrix: inout [Double], size: Int) {
        matrix.withUnsafeMutableBufferPointer { matrix in
            for row in 1..<max(1, size) {
                for column in 0..<row { matrix[row * size + column] = matrix[column * size + row] }
            }
        }
    }

    /// The whole `D × D` partial from merged blocks that together cover every pair of `dimensions` once
    /// (a block (R, C) with R ≠ C also fills (C, R) by symmetry). Throws when a pair is missing or the
    /// blocks counted different observations.
    public static func assembled(from blocks: [CovariancePartial], dimensions: Range<Int>) throws -> CovariancePartial {
        var whole = CovariancePartial(dimensions: dimensions)
        guard let first = blocks.first else {
            throw SaliencyError.invalidParameter("no covariance blocks to assemble")
        }
        let size = dimensions.count
        var covered = [Bool](repeating: false, count: size * size)
        whole.count = first.count
        for block in blocks {
            guard block.count == first.count else {
                throw SaliencyError.shapeMismatch(
                    what: "covariance blocks", expected: "\(first.count) observations", found: "\(block.count)")
            }
            guard block.rows.clamped(to: dimensions) == block.rows,
                block.columns.clamped(to: dimensions) == block.columns
            else {
                throw SaliencyError.shapeMismatch(
                    what: "covariance block", expected: "inside \(dimensions)",
                    found: "\(block.rows) x \(block.columns)")
            }
            for (offset, dimension) in block.rows.enumerated() {
                whole.meanRows[dimension - dimensions.lowerBound] = block.meanRows[offset]
            }
            for (offset, dimension) in block.columns.enumerated() {
                whole.meanRows[dimension - dimensions.lowerBound] = block.meanColumns[offset]
            }
            for (rowOffset, row) in block.rows.enumerated() {
                for (columnOffset, column) in block.columns.enumerated() {
                    let value = block.comoments[rowOffset * block.columns.count + columnOffset]
                    let r = row - dimensions.lowerBound
                    let c = column - dimensions.lowerBound
                    whole.comoments[r * size + c] = value
                    whole.comoments[c * size + r] = value
                    covered[r * size + c] = true
                    covered[c * size + r] = true
                }
            }
        }
        if let missing = covered.firstIndex(of: false) {
            throw SaliencyError.invalidParameter(
                "covariance blocks miss the pair (\(dimensions.lowerBound + missing / size), "
                    + "\(dimensions.lowerBound + missing % size))")
        }
        whole.meanColumns = whole.meanRows
        return whole
    }

    /// A diagonal block is written as its upper triangle (`covariancePacked`): a scan's statistics task
    /// returns the whole D x D matrix, 8 MB at D = 1024, which the coordinator receives, keeps in its ledger and
    /// merges, so half the bytes is half of most of what a statistics result weighs.
    public func serialized() -> [UInt8] {
        if isDiagonal {
            let size = rows.count
            var encoder = PartialEncoder(kind: .covariancePacked)
            encoder.write(rows.lowerBound)
            encoder.write(size)
            encoder.write(count)
            encoder.write(meanRows)
            var upper = [Double]()
            upper.reserveCapacity(size * (size + 1) / 2)
            for row in 0..<size { upper.append(contentsOf: comoments[(row * size + row)..<((row + 1) * size)]) }
            encoder.write(upper)
            return encoder.bytes()
        }
        var encoder = PartialEncoder(kind: Self.kind)
        encoder.write(rows.lowerBound)
        encoder.write(rows.count)
        encoder.write(columns.lowerBound)
        encoder.write(columns.count)
        encoder.write(count)
        encoder.write(meanRows)
        encoder.write(meanColumns)
        encoder.write(comoments)
        return encoder.bytes()
    }

    public init(serialized bytes: [UInt8]) throws {
        if bytes.count >= 8, UInt16(bytes[6]) | UInt16(bytes[7]) << 8 == PartialKind.covariancePacked.rawValue {
            self = try Self.unpacked(bytes)
            return
        }
        var decoder = try PartialDecoder(bytes, kind: Self.kind)
        let rowStart = try decoder.readCount("first row dimension")
        let rowCount = try decoder.readCount("row dimensions", limit: bytes.count)
        let columnStart = try decoder.readCount("first column dimension")
        let columnCount = try decoder.readCount("column dimensions", limit: bytes.count)
        guard rowCount * columnCount <= bytes.count else {
            throw PartialDecodingError.invalidField(
                "\(rowCount) x \(columnCount) block cannot fit in \(bytes.count) bytes")
        }
        rows = rowStart..<(rowStart + rowCount)
        columns = columnStart..<(columnStart + columnCount)
        count = try decoder.readCount("count", limit: Int.max)
        meanRows = try decoder.readDoubles(expected: rowCount, field: "meanRows")
        meanColumns = try decoder.readDoubles(expected: columnCount, field: "meanColumns")
        comoments = try decoder.readDoubles(expected: rowCount * columnCount, field: "comoments")
        try decoder.finish()
    }

    /// Reads a diagonal block written as its upper triangle.
    private static func unpacked(_ bytes: [UInt8]) throws -> CovariancePartial {
        var decoder = try PartialDecoder(bytes, kind: .covariancePacked)
        let start = try decoder.readCount("first dimension")
        let size = try decoder.readCount("dimensions", limit: bytes.count / 8)
        let count = try decoder.readCount("count", limit: Int.max)
        // size <= bytes / 8 bounds the products below well inside Int.
        let meanRows = try decoder.readDoubles(expected: size, field: "meanRows")
        let upper = try decoder.readDoubles(expected: size * (size + 1) / 2, field: "upper comoments")
        try decoder.finish()
        var partial = CovariancePartial(dimensions: start..<(start + size))
        partial.count = count
        partial.meanRows = meanRows
        partial.meanColumns = meanRows
        var offset = 0
        for row in 0..<size {
            let width = size - row
            partial.comoments.replaceSubrange(
                (row * size + row)..<((row + 1) * size), with: upper[offset..<offset + width])
            offset += width
        }
        mirrorUpper(&partial.comoments, size: size)
        return partial
    }
}
