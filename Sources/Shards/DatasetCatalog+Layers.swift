import Foundation

extension DatasetCatalog {
    /// The layers of the dataset, by increasing number: one layer numbered 0 for version-1 shards.
    public var layerWidths: [LayerWidth] { layers ?? [LayerWidth(layer: 0, dimension: dimension)] }

    /// Column arithmetic over the catalog's layers (column c is a (layer, dimension) pair).
    public var layerColumns: LayerColumns { LayerColumns(layerWidths) }

    /// Whether the dataset has layers (version-2 shards), even if only one is chosen.
    public var isLayered: Bool { layers != nil }

    /// ` (7 layers 0–6, D=384 each)` for a layered dataset, empty otherwise: what `dataset validate` and
    /// `dataset inspect` add after D.
    public var layerSummary: String {
        guard let layers else { return "" }
        let widths = Set(layers.map(\.dimension))
        let each =
            widths.count == 1
            ? "D=\(widths.first!) each" : "D " + layers.map { "\($0.dimension)" }.joined(separator: "/")
        return
            " (\(layers.count) layer\(layers.count == 1 ? "" : "s") \(LayerList.describe(layers.map(\.layer))), \(each))"
    }

    /// The same catalog restricted to the layers numbered in `numbers` (nil: unchanged): `dimension` becomes
    /// their D summed, and the shards' summaries say the same.
    /// - Throws: `DatasetError` naming the dataset, its layers and the first layer it does not have (a
    ///   version-1 dataset has only layer 0).
    public func restricted(toLayers numbers: [Int]?) throws -> DatasetCatalog {
        guard let numbers else { return self }
        let name = URL(fileURLWithPath: directory).lastPathComponent
        let have = layerWidths.map(\.layer)
        guard !numbers.isEmpty else {
            throw DatasetError(problems: [
                ShardError(file: name, dataset: ShardFormat.Dataset.layers, message: "no layers chosen")
            ])
        }
        if let missing = numbers.first(where: { !have.contains($0) }) {
            let what =
                isLayered
                ? "has no layer \(missing) (its layers: \(LayerList.describe(have)))"
                : "has no layer \(missing): its shards are version 1, one layer (0) each"
            throw DatasetError(problems: [
                ShardError(
                    file: name, dataset: isLayered ? ShardFormat.Dataset.layers : ShardFormat.Dataset.embeddings,
                    message: what)
            ])
        }
        let wanted = Set(numbers)
        var copy = self
        let chosen = layerWidths.filter { wanted.contains($0.layer) }
        copy.dimension = chosen.reduce(0) { $0 + $1.dimension }
        if isLayered { copy.layers = chosen }
        copy.shards = shards.map { shard in
            var shard = shard
            shard.dimension = copy.dimension
            if shard.layers != nil { shard.layers = chosen }
            return shard
        }
        return copy
    }
}
