import Foundation
import HDF5

extension ShardLoader {
    /// The shard's layers, by increasing number: the root `embeddings` of a version-1 shard, or every
    /// `layers/<n>/embeddings` of a version-2 one. Records a problem (naming the layer's dataset) for every
    /// layer that is missing, misnamed, of the wrong rank or type, or whose F differs from the first layer's;
    /// nil when no layer can be read. Sets `layerFrameCount`.
    mutating func loadLayers(_ file: File, version: Int?) -> [ShardLayer]? {
        typealias D = ShardFormat.Dataset
        let hasRoot = (try? file.contains(D.embeddings)) ?? false
        let hasLayers = (try? file.contains(D.layers)) ?? false
        if version == ShardFormat.layeredVersion || (version == nil && hasLayers) {
            if hasRoot {
                problem(
                    D.embeddings, "",
                    "a version-2 shard keeps its frames under \(D.layers)/<n>/\(D.embeddings), not at the root")
            }
            guard hasLayers else {
                problem(D.layers, "", "required group is missing (version 2 keeps one group per layer in it)")
                return nil
            }
            return loadLayerGroups(file)
        }
        if hasLayers {
            problem(
                D.layers, "", "a version-1 shard has one root \(D.embeddings); set format_version = 2 for layers")
        }
        guard let (layer, frames) = loadLayer(file, path: D.embeddings, number: 0) else { return nil }
        layerFrameCount = frames
        return [layer]
    }

    private mutating func loadLayerGroups(_ file: File) -> [ShardLayer]? {
        typealias D = ShardFormat.Dataset
        let names: [String]
        do {
            names = try file.openGroup(D.layers).memberNames()
        } catch {
            problem(D.layers, "", "cannot list the group: \(reason(error))")
            return nil
        }
        guard !names.isEmpty else {
            problem(D.layers, "", "holds no layers; a version-2 shard needs at least one")
            return nil
        }
        var numbered: [(number: Int, name: String)] = []
        var seen: [Int: String] = [:]
        for name in names {
            guard !name.isEmpty, name.allSatisfy(\.isASCII), name.allSatisfy(\.isNumber), name.count <= 6,
                let number = Int(name)
            else {
                problem(
                    "\(D.layers)/\(name)", "",
                    "is not a layer number (groups in layers are named 0, 1, ... or 00, 01, ...)")
                continue
            }
            if let earlier = seen[number] {
                problem("\(D.layers)/\(name)", "", "is layer \(number) again (also \(D.layers)/\(earlier))")
                continue
            }
            seen[number] = name
            numbered.append((number, name))
        }
        var layers: [ShardLayer] = []
        var first: (path: String, frames: Int)?
        for (number, name) in numbered.sorted(by: { $0.number < $1.number }) {
            let path = D.layerEmbeddings(name)
            guard let (layer, frames) = loadLayer(file, path: path, number: number) else { continue }
            if let first, frames != first.frames {
                problem(
                    path, "",
                    "has F = \(frames) frames, but \(first.path) has \(first.frames); every layer has the same frames")
                continue
            }
            first = first ?? (path, frames)
            layers.append(layer)
        }
        layerFrameCount = first?.frames ?? 0
        return layers.count == numbered.count && !layers.isEmpty ? layers : nil
    }

    /// One layer's `embeddings`: rank 2, float32 or float16, D > 0, the same F as the layers before it.
    private mutating func loadLayer(_ file: File, path: String, number: Int) -> (ShardLayer, frames: Int)? {
        guard let dataset = openDataset(file, path, required: true) else { return nil }
        do {
            let shape = try dataset.shape
            let type = try dataset.elementType
            guard shape.count == 2 else {
                problem(path, "", "has rank \(shape.count), expected 2 ([frames, D])")
                return nil
            }
            guard shape[1] > 0 else {
                problem(path, "", "has width D = 0")
                return nil
            }
            guard type == .float32 || type == .float16 else {
                problem(path, "", "has type \(type), expected float32 or float16")
                return nil
            }
            let layer = ShardLayer(
                number: number, datasetPath: path, dimension: shape[1], embeddingType: type,
                chunk: try dataset.chunkShape)
            return (layer, shape[0])
        } catch {
            problem(path, "", "cannot read: \(reason(error))")
            return nil
        }
    }
}
