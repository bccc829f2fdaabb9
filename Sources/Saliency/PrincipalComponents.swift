import COpenBLAS

/// PCA of the pooled vectors: the eigen-decomposition (LAPACK `dsyevd`) of their sample covariance
/// (divisor n − 1, as scikit-learn's `PCA.explained_variance_`), components sorted by decreasing
/// eigenvalue. It is a change of basis, not a selection: training uses `projection(components:)`.
///
/// Each component's sign is fixed so that its largest-magnitude entry is positive (ties to the lower index),
/// which makes the result deterministic.
public struct PrincipalComponents: Sendable {
    /// Global dimensions.
    public let dimensions: Range<Int>
    /// Observations the covariance was computed on.
    public let count: Int
    /// Mean of every dimension (the projection's centre).
    public let mean: [Double]
    /// Eigenvalues, descending; rounding negatives clipped to 0.
    public let eigenvalues: [Double]
    /// Row-major `D × D`: row i is the i-th component (a unit vector over the dimensions).
    public let components: [Double]

    /// Fraction of the total variance each component explains (0 when the total is 0).
    public var explainedRatio: [Double] {
        let total = eigenvalues.reduce(0, +)
        return eigenvalues.map { total > 0 ? $0 / total : 0 }
    }

    /// Running sum of `explainedRatio`.
    public var cumulativeRatio: [Double] {
        var sum = 0.0
        return explainedRatio.map {
            sum += $0
            return sum
        }
    }

    /// Decomposes a merged whole-matrix covariance partial (see `CovariancePartial.assembled(from:)`).
    public init(covariance: CovariancePartial) throws {
        guard covariance.isDiagonal else {
            throw SaliencyError.invalidParameter(
                "PCA needs the whole covariance, got the block \(covariance.rows) x \(covariance.columns)")
        }
        guard covariance.count >= SaliencyDefaults.minimumObservations else {
            throw SaliencyError.tooFewObservations(
                required: SaliencyDefaults.minimumObservations, found: covariance.count, statistic: "PCA")
        }
        let size = covariance.rows.count
        let divisor = Double(covariance.count - 1)
        var matrix = covariance.comoments.map { $0 / divisor }
        var values = [Double](repeating: 0, count: size)
        try Self.symmetricEigen(&matrix, size: size, values: &values)
        // Ascending eigenvalues; eigenvector j is row j of the row-major `matrix` (column j to Fortran).
        var ordered = [Double](repeating: 0, count: size * size)
        for component in 0..<size {
            let vector = (size - 1 - component) * size
            var largest = 0
            for entry in 0..<size where abs(matrix[vector + entry]) > abs(matrix[vector + largest]) {
                largest = entry
            }
            let sign: Double = matrix[vector + largest] < 0 ? -1 : 1
            for entry in 0..<size { ordered[component * size + entry] = sign * matrix[vector + entry] }
        }
        dimensions = covariance.rows
        count = covariance.count
        mean = covariance.meanRows
        eigenvalues = values.reversed().map { max(0, $0) }
        components = ordered
    }

    /// LAPACK `dsyevd` on the symmetric row-major `matrix`: `values` get the ascending eigenvalues and row j
    /// of `matrix` the eigenvector of the j-th. Fortran reads the buffer as the transpose, which is the same
    /// matrix; its lower triangle is the row-major upper one.
    private static func symmetricEigen(_ matrix: inout [Double], size: Int, values: inout [Double]) throws {
        var n = Int32(size)
        var info: Int32 = 0
        var workQuery = 0.0
        var iworkQuery: Int32 = 0
        var query: Int32 = -1
        dsyevd_("V", "L", &n, &matrix, &n, &values, &workQuery, &query, &iworkQuery, &query, &info, 1, 1)
        guard info == 0 else { throw SaliencyError.lapackFailure(routine: "dsyevd", info: Int(info)) }
        var workCount = Int32(workQuery.rounded(.up))
        var iworkCount = iworkQuery
        var work = [Double](repeating: 0, count: Int(max(1, workCount)))
        var iwork = [Int32](repeating: 0, count: Int(max(1, iworkCount)))
        dsyevd_("V", "L", &n, &matrix, &n, &values, &work, &workCount, &iwork, &iworkCount, &info, 1, 1)
        guard info == 0 else { throw SaliencyError.lapackFailure(routine: "dsyevd", info: Int(info)) }
    }

    /// The centring and the first `k` components, for training on the projected vectors.
    public func projection(components k: Int) throws -> PCAProjection {
        guard k >= 1, k <= dimensions.count else {
            throw SaliencyError.invalidParameter("PCA projection needs 1 <= k <= \(dimensions.count), got \(k)")
        }
        return PCAProjection(
            mean: mean, components: Array(components[0..<(k * dimensions.count)]), componentCount: k)
    }
}

/// Centre, then project onto k principal components: `z = W (x − mean)`, W being `k × D`.
public struct PCAProjection: Sendable, Equatable {
    /// The centre subtracted first (length D).
    public let mean: [Double]
    /// Row-major `k × D` weights.
    public let components: [Double]
    /// k.
    public let componentCount: Int

    /// Input width D.
    public var inputDimensions: Int { mean.count }

    /// Weights the projection adds to a model (D · k), reported with the model size.
    public var weightCount: Int { components.count }

    /// Wraps a centre and `k × D` weights.
    public init(mean: [Double], components: [Double], componentCount: Int) {
        self.mean = mean
        self.components = components
        self.componentCount = componentCount
    }

    /// Projects row-major `rows × D` Float frames to row-major `rows × k` Float (BLAS `sgemm`).
    public func project(_ frames: [Float], rows: Int) throws -> [Float] {
        let width = inputDimensions
        guard frames.count == rows * width else {
            throw SaliencyError.shapeMismatch(
                what: "PCA projection input", expected: "\(rows) x \(width)", found: "\(frames.count) values")
        }
        var centred = frames
        for row in 0..<rows {
            for column in 0..<width { centred[row * width + column] -= Float(mean[column]) }
        }
        let weights = components.map(Float.init)
        var out = [Float](repeating: 0, count: rows * componentCount)
        guard rows > 0 else { return out }
        // out (rows × k) = centred (rows × D) · weightsᵀ (D × k).
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(componentCount), Int32(width), 1, centred,
            Int32(width), weights, Int32(width), 0, &out, Int32(componentCount))
        return out
    }
}
