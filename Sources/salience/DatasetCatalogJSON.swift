import Foundation
import Shards

/// What `salience dataset inspect --json` prints: the catalog in snake_case like every other JSON the
/// command line writes (results.json, `status --json`), slashes unescaped so paths read as paths, and the
/// totals per condition and split that the text table ends with. Its own type with spelled-out keys, not
/// `DatasetCatalog` through a key strategy, so that attribute names from the file (`extra_attributes`) are
/// printed as the file spells them.
struct DatasetCatalogJSON: Encodable {
    struct Shard: Encodable {
        var file: String
        var condition: String
        var utterances: Int
        var utterancesPerSplit: [String: Int]
        var frames: Int
        var dimension: Int
        var embeddingType: String
        var chunk: [Int]?
        var raters: Int?
        var hasLabelStd: Bool

        enum CodingKeys: String, CodingKey {
            case file, condition, utterances, frames, dimension, chunk, raters
            case utterancesPerSplit = "utterances_per_split"
            case embeddingType = "embedding_type"
            case hasLabelStd = "has_label_std"
        }
    }

    /// The `total` rows of the text table: one per condition.
    struct Total: Encodable {
        var condition: String
        var utterances: Int
        var utterancesPerSplit: [String: Int]
        var frames: Int

        enum CodingKeys: String, CodingKey {
            case condition, utterances, frames
            case utterancesPerSplit = "utterances_per_split"
        }
    }

    var directory: String
    var dimension: Int
    var task: String
    var targets: [String]
    var encoders: [String]
    var conditions: [String]
    var hasRatings: Bool
    var hasLabelStd: Bool
    var shards: [Shard]
    var totals: [Total]
    var extraAttributes: [String: CatalogAttribute]

    enum CodingKeys: String, CodingKey {
        case directory, dimension, task, targets, encoders, conditions, shards, totals
        case hasRatings = "has_ratings"
        case hasLabelStd = "has_label_std"
        case extraAttributes = "extra_attributes"
    }

    init(_ catalog: DatasetCatalog) {
        directory = catalog.directory
        dimension = catalog.dimension
        task = catalog.task.rawValue
        targets = catalog.targets
        encoders = catalog.encoders
        conditions = catalog.conditions
        hasRatings = catalog.hasRatings
        hasLabelStd = catalog.hasLabelStd
        shards = catalog.shards.map {
            Shard(
                file: $0.file, condition: $0.condition, utterances: $0.utterances,
                utterancesPerSplit: $0.utterancesPerSplit, frames: $0.frames, dimension: $0.dimension,
                embeddingType: $0.embeddingType, chunk: $0.chunk, raters: $0.raters, hasLabelStd: $0.hasLabelStd)
        }
        totals = catalog.conditions.map { condition in
            Total(
                condition: condition, utterances: catalog.utteranceCount(condition: condition),
                utterancesPerSplit: Dictionary(
                    uniqueKeysWithValues: Split.allCases.map {
                        ($0.description, catalog.utteranceCount(condition: condition, split: $0))
                    }),
                frames: catalog.frameCount(condition: condition))
        }
        extraAttributes = catalog.extraAttributes
    }

    /// Pretty-printed, keys sorted, `/` unescaped.
    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
