import HDF5

/// What a shard's root attributes and dataset shapes say, without reading any frames.
public struct ShardHeader: Equatable, Sendable {
    /// The file name (for messages).
    public var fileName: String
    /// `format_version`.
    public var formatVersion: Int
    /// `encoder`: free text naming the model and layer.
    public var encoder: String
    /// `task`.
    public var task: TaskKind
    /// `targets`, in column order (T = `targets.count`).
    public var targets: [String]
    /// `condition`, `clean` when absent.
    public var condition: String
    /// N: number of utterances.
    public var utteranceCount: Int
    /// F: number of frames (rows of `embeddings`).
    public var frameCount: Int
    /// D: embedding width, summed over the layers of a layered shard.
    public var dimension: Int
    /// How `embeddings` (the first layer's, in a layered shard) is stored: `.float32` or `.float16`.
    public var embeddingType: ElementType
    /// The chunk shape of `embeddings`, nil when contiguous.
    public var embeddingChunk: [Int]?
    /// R, the number of raters, when `ratings` is present.
    public var raterCount: Int?
    /// Whether `label_std` is present.
    public var hasLabelStd: Bool
    /// Any other root attributes (e.g. `synthetic_relevant_dims`), by name.
    public var extraAttributes: [String: AttributeValue]
    /// The layers, by increasing number: one (number 0, the root `embeddings`) in a version-1 shard.
    public var layers: [ShardLayer]

    /// Whether `ratings` is present.
    public var hasRatings: Bool { raterCount != nil }
    /// T: number of targets.
    public var targetCount: Int { targets.count }
    /// Whether the shard holds distorted copies (`condition` other than `clean`).
    public var isDistorted: Bool { condition != ShardFormat.cleanCondition }
}
