/// What a scan spec is checked against before any work starts: the facts a dataset's shard headers give.
///
/// A tiny protocol so the spec does not depend on how `Shards` reads catalogs; the task graph makes its
/// catalog conform.
public protocol DatasetDescription {
    /// Target names, in column order.
    var targets: [String] { get }
    /// Every condition present in the dataset, `clean` included.
    var conditions: [String] { get }
    /// The embedding width D.
    var dimension: Int { get }
    /// `regression` or `binary`, as in the shard format.
    var task: String { get }
    /// Whether the shards carry individual `ratings` or a `label_std` (needed by `std-aux`).
    var hasRaterSpread: Bool { get }
}

/// A plain ``DatasetDescription``, for tests and for datasets described by hand.
public struct DatasetFacts: DatasetDescription, Codable, Equatable, Sendable {
    /// Target names, in column order.
    public var targets: [String]
    /// Every condition present, `clean` included.
    public var conditions: [String]
    /// The embedding width D.
    public var dimension: Int
    /// `regression` or `binary`.
    public var task: String
    /// Whether the shards carry `ratings` or `label_std`.
    public var hasRaterSpread: Bool

    /// Creates the facts of a dataset.
    public init(targets: [String], conditions: [String], dimension: Int, task: String, hasRaterSpread: Bool) {
        self.targets = targets
        self.conditions = conditions
        self.dimension = dimension
        self.task = task
        self.hasRaterSpread = hasRaterSpread
    }
}
