import HDF5

/// How `ShardWriter` lays out `embeddings` on disk: tiles of `chunkRows` frames x `columnBlock` columns,
/// optionally compressed.
///
/// Tiles (rather than rows x all columns) let a read of a block of dimensions touch only its tiles; the
/// defaults come from `ops/bench/shard-read` (see ops/bench/README.md for the numbers).
public struct ShardLayout: Equatable, Sendable {
    /// Frames per chunk.
    public var chunkRows: Int
    /// Columns per chunk (capped at D).
    public var columnBlock: Int
    /// gzip level, or nil for uncompressed chunks.
    public var gzipLevel: Int?
    /// Whether the shuffle filter runs before gzip.
    public var shuffle: Bool
    /// `.float32` or `.float16` on disk.
    public var embeddingType: ElementType

    /// Creates a layout.
    public init(
        chunkRows: Int, columnBlock: Int, gzipLevel: Int?, shuffle: Bool, embeddingType: ElementType = .float32
    ) {
        self.chunkRows = chunkRows
        self.columnBlock = columnBlock
        self.gzipLevel = gzipLevel
        self.shuffle = shuffle
        self.embeddingType = embeddingType
    }

    /// 1024 frames x 64 columns (256 KiB float32 tiles), shuffle + gzip level 1. Measured with
    /// ops/bench/shard-read (D = 1024): a contiguous 40 % column subset takes ~0.4 of the all-columns time,
    /// where 1024 x D chunks make it as slow as the full read; gzip 1 saves 13 % of disk on float32 frames,
    /// kept because shards live on shared storage (higher gzip levels were not measured).
    public static let `default` = ShardLayout(
        chunkRows: 1024, columnBlock: 64, gzipLevel: 1, shuffle: true, embeddingType: .float32)

    /// The chunk shape for a dataset of width `dimension`.
    func chunk(dimension: Int) -> [Int] { [max(1, chunkRows), max(1, min(columnBlock, dimension))] }

    /// The HDF5 layout for a dataset of width `dimension`.
    func datasetLayout(dimension: Int) -> DatasetLayout {
        DatasetLayout(chunk: chunk(dimension: dimension), gzipLevel: gzipLevel, shuffle: shuffle && gzipLevel != nil)
    }
}
