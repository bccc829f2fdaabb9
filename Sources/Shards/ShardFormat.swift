/// The names and fixed values of the shard format, versions 1 and 2 (docs/shard-format.md).
public enum ShardFormat {
    /// The value of the `salience_format` root attribute.
    public static let formatName = "embedding-shard"
    /// The `format_version` of a shard with one root `embeddings`.
    public static let version = 1
    /// The `format_version` of a layered shard (`layers/<n>/embeddings`).
    public static let layeredVersion = 2
    /// Every `format_version` this reader knows.
    public static let versions = version...layeredVersion
    /// The condition of a shard without a `condition` attribute.
    public static let cleanCondition = "clean"
    /// The file extension of shards; every `*.h5` directly inside a dataset directory is a shard.
    public static let fileExtension = "h5"

    /// Root attribute names.
    public enum Attribute {
        public static let format = "salience_format"
        public static let formatVersion = "format_version"
        public static let encoder = "encoder"
        public static let task = "task"
        public static let targets = "targets"
        public static let condition = "condition"
    }

    /// Dataset names (all at the root).
    public enum Dataset {
        public static let embeddings = "embeddings"
        public static let offsets = "offsets"
        public static let ids = "ids"
        public static let split = "split"
        public static let labels = "labels"
        public static let ratings = "ratings"
        public static let labelStd = "label_std"
        /// The group of a layered shard's layers, one subgroup per layer number.
        public static let layers = "layers"

        /// The path of layer `number`'s frames as the reader names it in messages (`layers/03/embeddings`).
        public static func layerEmbeddings(_ groupName: String) -> String { "\(layers)/\(groupName)/\(embeddings)" }
    }
}

/// Which part of the data an utterance belongs to (the `split` dataset: 0 train, 1 dev, 2 test).
public enum Split: UInt8, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case train = 0
    case dev = 1
    case test = 2

    /// `train`, `dev` or `test`.
    public var description: String {
        switch self {
        case .train: return "train"
        case .dev: return "dev"
        case .test: return "test"
        }
    }
}

/// The kind of targets (the `task` root attribute).
public enum TaskKind: String, CaseIterable, Codable, Sendable {
    /// Dimensional targets (e.g. valence); labels are mean ratings.
    case regression
    /// 0/1 targets (e.g. humour).
    case binary
}
