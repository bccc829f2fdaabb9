import HDF5

/// One layer of a shard's frames: which encoder layer, where its `embeddings` dataset is, and its width.
///
/// A version-1 shard has one layer, numbered 0, stored at the root `embeddings`; a version-2 shard has one
/// per `layers/<n>` group. Readers lay the layers side by side in increasing number, so column c of a
/// shard is a (layer, dimension) pair; `ShardLayers` does that arithmetic.
public struct ShardLayer: Equatable, Sendable {
    /// The encoder's layer number (the group's name read as a decimal number; 0 for a version-1 shard).
    public var number: Int
    /// The dataset's path in the file (`embeddings` or `layers/03/embeddings`), for reads and messages.
    public var datasetPath: String
    /// D of this layer.
    public var dimension: Int
    /// `.float32` or `.float16` on disk.
    public var embeddingType: ElementType
    /// The chunk shape, nil when contiguous.
    public var chunk: [Int]?

    /// Creates a layer description.
    public init(number: Int, datasetPath: String, dimension: Int, embeddingType: ElementType, chunk: [Int]?) {
        self.number = number
        self.datasetPath = datasetPath
        self.dimension = dimension
        self.embeddingType = embeddingType
        self.chunk = chunk
    }
}

/// A layer's number and width, as a dataset (all its shards) has it: what scans, selections and reports
/// name columns by.
public struct LayerWidth: Codable, Equatable, Hashable, Sendable {
    /// The encoder's layer number.
    public var layer: Int
    /// D of the layer.
    public var dimension: Int

    /// Creates a layer width.
    public init(layer: Int, dimension: Int) {
        self.layer = layer
        self.dimension = dimension
    }
}

/// The column space of some layers laid side by side in the order given (increasing layer number
/// wherever the reader builds one): column c is dimension `c - start(l)` of layer l.
public struct LayerColumns: Equatable, Sendable {
    /// The layers, in column order.
    public let layers: [LayerWidth]
    /// Where each layer's columns start; `starts.last` is the total width.
    public let starts: [Int]

    /// The column space of `layers`.
    public init(_ layers: [LayerWidth]) {
        self.layers = layers
        var starts = [0]
        for layer in layers { starts.append(starts.last! + layer.dimension) }
        self.starts = starts
    }

    /// The total width (sum of the layers' D).
    public var width: Int { starts.last ?? 0 }

    /// The columns of the layer at `position` (an index into `layers`).
    public func columns(ofPosition position: Int) -> Range<Int> { starts[position]..<starts[position + 1] }

    /// The columns of layer `number`, nil when it is not one of them.
    public func columns(ofLayer number: Int) -> Range<Int>? {
        layers.firstIndex { $0.layer == number }.map { columns(ofPosition: $0) }
    }

    /// The position (index into `layers`) of column `column`, which must be in `0..<width`.
    public func position(ofColumn column: Int) -> Int {
        // starts is ascending: the last start at or below the column.
        var low = 0
        var high = layers.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= column { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Column `column` as (layer number, dimension within the layer).
    public func address(ofColumn column: Int) -> (layer: Int, dimension: Int) {
        let position = self.position(ofColumn: column)
        return (layers[position].layer, column - starts[position])
    }
}

/// Layer numbers as people read them in messages: `0–6` for a run, `0, 3, 5` otherwise.
public enum LayerList {
    /// `numbers` (ascending) described briefly.
    public static func describe(_ numbers: [Int]) -> String {
        guard let first = numbers.first, let last = numbers.last else { return "none" }
        if numbers.count > 2 && last - first + 1 == numbers.count { return "\(first)–\(last)" }
        return numbers.map(String.init).joined(separator: ", ")
    }
}
