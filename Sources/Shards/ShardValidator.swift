import Foundation
import HDF5

/// Checks shards and dataset directories against every refusal rule of the format, reporting every
/// problem (one `ShardError` each, naming file, dataset and index) rather than stopping at the first.
public enum ShardValidator {
    /// Frames are scanned for NaN and infinity in blocks of this many rows (bounded memory on large shards).
    static let rowsPerScan = 8192

    /// The problems of one shard; empty when it is valid. With `checkFrames`, every value of `embeddings`
    /// is read and checked for NaN and infinity.
    public static func validate(shard url: URL, checkFrames: Bool = true) -> [ShardError] {
        var loader = ShardLoader(url: url)
        loader.load()
        var problems = loader.problems
        if checkFrames, problems.isEmpty, let header = loader.header, let file = loader.file {
            problems += frameProblems(file: file, header: header)
        }
        return problems
    }

    /// The problems of a dataset directory: each shard's own problems plus the rules across shards
    /// (same D, task and targets; unique ids within a condition; distorted ids present in clean shards;
    /// at least one shard). Empty when the dataset is valid.
    public static func validate(directory: URL, checkFrames: Bool = true) -> [ShardError] {
        var problems = DatasetCatalog.scan(directory: directory).problems
        if checkFrames {
            // Files the catalog refused as files (links out of the directory, FIFOs) are never opened.
            for url in DatasetCatalog.shardURLs(in: directory)
            where ShardFileCheck.problem(url: url, directory: directory) == nil {
                var loader = ShardLoader(url: url)
                loader.load()
                if loader.problems.isEmpty, let header = loader.header, let file = loader.file {
                    problems += frameProblems(file: file, header: header)
                }
            }
        }
        return problems
    }

    /// Every layer's frames checked for NaN and infinity, in blocks of rows.
    static func frameProblems(file: File, header: ShardHeader) -> [ShardError] {
        header.layers.flatMap { frameProblems(file: file, header: header, layer: $0) }
    }

    static func frameProblems(file: File, header: ShardHeader, layer: ShardLayer) -> [ShardError] {
        let name = layer.datasetPath
        var problems: [ShardError] = []
        var count = 0
        do {
            let dataset = try file.openDataset(name)
            var start = 0
            while start < header.frameCount {
                let rows = start..<min(header.frameCount, start + rowsPerScan)
                let values = try dataset.read(rows: rows, as: Float.self)
                for (position, value) in values.enumerated() where !value.isFinite {
                    count += 1
                    if count <= ShardLoader.problemsListedPerDataset {
                        problems.append(
                            ShardError(
                                file: header.fileName, dataset: name,
                                index: indexText(start + position / layer.dimension, position % layer.dimension),
                                message: "\(value) (NaN and infinity are allowed only in ratings)"))
                    }
                }
                start = rows.upperBound
            }
        } catch {
            problems.append(ShardError(file: header.fileName, dataset: name, message: "cannot read: \(error)"))
        }
        if count > ShardLoader.problemsListedPerDataset {
            problems.append(
                ShardError(
                    file: header.fileName, dataset: name,
                    message: "\(count - ShardLoader.problemsListedPerDataset) more problems like the above"))
        }
        return problems
    }
}
