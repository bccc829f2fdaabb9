import HDF5

/// `pca.h5`: a PCA's components, eigenvalues and centre, written by `salience scores` and read by training
/// to project its inputs (`PCAProjection(contentsOf:components:)`).
///
/// Layout (all float64, row-major): `components` [D, D] (row i = component i), `eigenvalues` [D],
/// `explained_ratio` [D], `mean` [D]; root attributes `count` (observations) and `first_dimension`.
public enum PrincipalComponentsFile {
    /// Dataset and attribute names.
    public enum Name {
        /// [D, D] components, one per row.
        public static let components = "components"
        /// [D] eigenvalues, descending.
        public static let eigenvalues = "eigenvalues"
        /// [D] fraction of variance per component.
        public static let explainedRatio = "explained_ratio"
        /// [D] the centre.
        public static let mean = "mean"
        /// Observations the covariance was computed on.
        public static let count = "count"
        /// Global index of the first dimension.
        public static let firstDimension = "first_dimension"
    }

    /// Writes `pca` to a new file at `path` (replacing one that exists).
    public static func write(_ pca: PrincipalComponents, to path: String) throws {
        let size = pca.dimensions.count
        let file = try File.create(path)
        try file.writeDataset(Name.components, pca.components, shape: [size, size])
        try file.writeDataset(Name.eigenvalues, pca.eigenvalues)
        try file.writeDataset(Name.explainedRatio, pca.explainedRatio)
        try file.writeDataset(Name.mean, pca.mean)
        try file.writeAttribute(Name.count, .int(pca.count))
        try file.writeAttribute(Name.firstDimension, .int(pca.dimensions.lowerBound))
        try file.flush()
    }
}

extension PCAProjection {
    /// The first `k` components of a `pca.h5` written by `PrincipalComponentsFile.write`.
    /// - Throws: `HDF5Error` when the file cannot be read, `SaliencyError` when its shapes disagree or k is
    ///   out of range.
    public init(contentsOf path: String, components k: Int) throws {
        let file = try File.open(path)
        let mean: [Double] = try file.openDataset(PrincipalComponentsFile.Name.mean).read()
        let dataset = try file.openDataset(PrincipalComponentsFile.Name.components)
        let shape = try dataset.shape
        let size = mean.count
        guard shape == [size, size] else {
            throw SaliencyError.shapeMismatch(
                what: "\(path): components", expected: "[\(size), \(size)]", found: "\(shape)")
        }
        guard k >= 1, k <= size else {
            throw SaliencyError.invalidParameter("\(path): k = \(k) components outside 1...\(size)")
        }
        let rows: [Double] = try dataset.read(rows: 0..<k)
        self.init(mean: mean, components: rows, componentCount: k)
    }
}
