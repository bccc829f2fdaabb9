/// The tag that names a partial's type in its serialised bytes, so a receiver can refuse the wrong kind.
public enum PartialKind: UInt16, CaseIterable, Sendable {
    /// `MomentsPartial`.
    case moments = 1
    /// `RangePartial`.
    case range = 2
    /// `JointHistogramPartial`.
    case jointHistogram = 3
    /// `CovariancePartial`.
    case covariance = 4
    /// `BootstrapMomentsPartial` as one moments partial per replicate (earlier builds; still read).
    case bootstrapMoments = 5
    /// `BootstrapMomentsPartial` as weighted sums about one centre.
    case bootstrapSums = 6
    /// `Observations`: pooled rows carried from the statistics pass to the KSG tasks (not a merge).
    case observations = 7
    /// `CovariancePartial` of a diagonal block as its upper triangle (`covariance` is still read and still
    /// written for off-diagonal blocks).
    case covariancePacked = 8
    /// `AttributionStatistics` (module Attribution); numbered apart from the saliency statistics.
    case attributionStatistics = 256
    /// `AttributionReplicates` (module Attribution): bootstrap replicates of the IG score.
    case attributionReplicates = 257
}

/// A statistic computed on a piece of the data that merges exactly with the same statistic of another piece.
///
/// `merge` is associative and commutative (to floating-point rounding for the moment-based ones, exactly for
/// integer counts), and merging an empty partial is the identity. Bytes round-trip losslessly.
public protocol MergeablePartial {
    /// The tag written in the serialised header.
    static var kind: PartialKind { get }
    /// Adds `other`'s observations to this one; throws when the two do not describe the same shape.
    mutating func merge(_ other: Self) throws
    /// Little-endian, versioned bytes (see `PartialEncoder`).
    func serialized() -> [UInt8]
    /// Reads bytes written by `serialized()`; throws `PartialDecodingError` on anything else.
    init(serialized bytes: [UInt8]) throws
}

extension MergeablePartial {
    /// The merge of `self` and `other` as a new value.
    public func merged(with other: Self) throws -> Self {
        var copy = self
        try copy.merge(other)
        return copy
    }
}
