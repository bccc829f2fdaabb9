/// What one task read: decoded bytes of frames from the data root (shared storage) and from the worker's
/// local column cache. Every executor that reads shards puts these in its result body (keys
/// `bytes_from_data_root`, `bytes_from_cache`), so the report can say how often shared storage was read, per
/// phase and per worker: the figure the column cache exists to keep near one read of the dataset per worker.
public struct TaskReads: Codable, Equatable, Sendable {
    /// Decoded bytes read from the data root.
    public var bytesFromDataRoot: Int
    /// Decoded bytes read from the worker's column cache.
    public var bytesFromCache: Int

    /// Reads (none by default).
    public init(bytesFromDataRoot: Int = 0, bytesFromCache: Int = 0) {
        self.bytesFromDataRoot = bytesFromDataRoot
        self.bytesFromCache = bytesFromCache
    }

    /// Adds another task's reads.
    public mutating func add(_ other: TaskReads) {
        bytesFromDataRoot += other.bytesFromDataRoot
        bytesFromCache += other.bytesFromCache
    }
}
