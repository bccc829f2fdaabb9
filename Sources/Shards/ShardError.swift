/// A problem with a shard or a dataset directory, naming the file, the dataset (or attribute) and the index,
/// e.g. `vader-000.h5: offsets[17]: 1203 is not greater than offsets[16] = 1203`.
public struct ShardError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The shard's file name (or the directory's, for dataset-level problems).
    public var file: String
    /// The dataset or root attribute concerned, if any.
    public var dataset: String?
    /// The element concerned, e.g. `[17]` or `[3, 0]`; empty when none.
    public var index: String
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(file: String, dataset: String? = nil, index: String = "", message: String) {
        self.file = file
        self.dataset = dataset
        self.index = index
        self.message = message
    }

    /// `file: dataset[index]: message`.
    public var description: String {
        if let dataset { return "\(file): \(dataset)\(index): \(message)" }
        return "\(file): \(message)"
    }
}

/// Formats an index for messages: `[17]` or `[3, 0]`.
func indexText(_ indices: Int...) -> String { "[" + indices.map(String.init).joined(separator: ", ") + "]" }
