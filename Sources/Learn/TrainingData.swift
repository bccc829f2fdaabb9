import Foundation
import Shards

/// A dataset read into memory for training and evaluation, restricted to the selected columns: the clean
/// utterances per split, and each distorted condition's utterances per split.
public struct TrainingData {
    /// The dataset's catalog (D, targets, task, shards).
    public let catalog: DatasetCatalog
    /// The selected columns, ascending.
    public let selection: [Int]
    /// Clean utterances per split.
    public let clean: [Split: UtteranceSet]
    /// Distorted utterances per condition and split.
    public let distorted: [String: [Split: UtteranceSet]]
    /// Decoded frame bytes read from the shards (the data root), and from a worker's column cache.
    public let bytesFromDataRoot: Int
    public let bytesFromCache: Int

    /// The dataset's directory name, for messages.
    public var name: String { URL(fileURLWithPath: catalog.directory).lastPathComponent }

    /// Reads `directory`, keeping only `selection` (nil: all D columns) of the layers numbered in `layers`
    /// (nil: every layer; columns count across the chosen layers side by side). Rater spreads come from `ratings`
    /// (population std, NaN skipped) or `label_std`.
    ///
    /// When the selected frames of every shard (every split and condition) need more than `memoryBudget`
    /// bytes, they are read once, block by block, into one local ``FrameFile`` in `cacheDirectory` (default:
    /// the system's temporary directory) and the sets refer to it; memory then holds one block, the labels
    /// and the ids, whatever the dataset's size. Without a budget, or when they fit, they are kept in memory.
    /// - Throws: `DatasetError` for invalid shards, `LearnError.selectionOutOfRange` for an index ≥ D.
    ///   When `model` is given (a model file's path and D), a dataset of another width is refused with
    ///   `LearnError.widthMismatch`.
    public init(
        directory: URL, selection: [Int]?, selectionSource: String = "--dims", model: (path: String, width: Int)? = nil,
        memoryBudget: Int? = nil, cacheDirectory: URL? = nil, columnCache: ColumnCache? = nil, layers: [Int]? = nil,
        batchSize: Int = TrainingDefaults.batchSize
    ) throws {
        let catalog = try DatasetCatalog(directory: directory).restricted(toLayers: layers)
        let width = catalog.dimension
        if let model, model.width != width {
            throw LearnError.widthMismatch(
                model: model.path, modelWidth: model.width, dataset: directory.path, datasetWidth: width)
        }
        let chosen = (selection ?? Array(0..<width))
        if let bad = chosen.first(where: { $0 < 0 || $0 >= width }) {
            throw LearnError.selectionOutOfRange(index: bad, width: width, source: selectionSource)
        }
        let sorted = Array(Set(chosen)).sorted()
        var byCondition = [String: [Split: [UtteranceSet]]]()
        // Every chosen layer of every shard stored as float16: the frames are kept as float16 in memory (exact,
        // half the bytes); a float32 copy of them is never made.
        let half = try Self.allHalf(catalog, layers: layers)
        let frameBytes =
            catalog.shards.reduce(0) { $0 + $1.frames } * sorted.count
            * (half ? MemoryLayout<Float16>.stride : MemoryLayout<Float>.stride)
        var store: FrameFile?
        if let memoryBudget, frameBytes > memoryBudget {
            // Streaming holds one batch at a time: a budget below that cannot train at all, and says so now,
            // before any frame is read.
            let longest = catalog.longestUtterance
            let needed = batchSize * longest * sorted.count * MemoryLayout<Float>.stride
            guard memoryBudget >= needed else {
                throw LearnError.memoryBudgetTooSmall(
                    given: memoryBudget, needed: needed, batch: batchSize, frames: longest, columns: sorted.count)
            }
            store = try FrameFile(
                width: sorted.count, directory: cacheDirectory ?? FileManager.default.temporaryDirectory)
        }
        // Blocks of about half the budget (at least one utterance), so that a block and its copy fit; in
        // memory, blocks of about 64 MiB, so the set is held once plus one block.
        let blockRows =
            store == nil
            ? max(1, Self.inMemoryBlockBytes / max(1, sorted.count * MemoryLayout<Float>.stride))
            : max(1, (memoryBudget ?? 0) / 2 / max(1, sorted.count * MemoryLayout<Float>.stride))
        var counted = (fromDataRoot: 0, fromCache: 0)
        // In memory, each (condition, split) set is allocated once at its final size from the headers and
        // filled block by block, so the process holds the data once plus one block (not the parts and their
        // concatenation, which made the peak 2.6x the frames).
        var filled = [String: [Split: UtteranceSet]]()
        if store == nil {
            filled = try Self.reservedSets(catalog, layers: layers, width: sorted.count, half: half)
        }
        for shard in catalog.shards {
            let reader = try ShardReader(url: catalog.url(of: shard), layers: layers)
            let columns = sorted.count == width ? nil : sorted
            let source = try FrameSource(reader, cache: columnCache)
            if let store {
                let set = try TrainingData.read(source, columns: columns, into: store, blockRows: blockRows)
                for split in Split.allCases {
                    let indices = reader.utterances(in: split)
                    guard !indices.isEmpty else { continue }
                    byCondition[shard.condition, default: [:]][split, default: []].append(set.subset(indices))
                }
            } else {
                try Self.read(source, columns: columns, blockRows: blockRows) { block, first in
                    for split in Split.allCases {
                        let indices = (0..<block.count).filter { reader.splits[first + $0] == split }
                        guard !indices.isEmpty else { continue }
                        // Sized from the headers; a shard rewritten since then only makes the array grow.
                        filled[shard.condition, default: [:]][
                            split,
                            default: .reserved(
                                width: sorted.count, targetCount: block.targetCount, frames: 0, utterances: 0,
                                half: half)
                        ].append(indices, of: block)
                    }
                }
            }
            counted.fromDataRoot += source.bytesFromDataRoot
            counted.fromCache += source.bytesFromCache
        }
        for (condition, splits) in filled {
            for (split, set) in splits { byCondition[condition, default: [:]][split] = [set] }
        }
        self.catalog = catalog
        self.selection = sorted
        var clean = [Split: UtteranceSet]()
        var distorted = [String: [Split: UtteranceSet]]()
        for (condition, splits) in byCondition {
            for (split, parts) in splits {
                let merged = UtteranceSet.concatenate(parts)
                if condition == ShardFormat.cleanCondition {
                    clean[split] = merged
                } else {
                    distorted[condition, default: [:]][split] = merged
                }
            }
        }
        self.clean = clean
        self.distorted = distorted
        bytesFromDataRoot = counted.fromDataRoot
        bytesFromCache = counted.fromCache
    }

    /// Empty in-memory sets per condition and split with room for exactly their utterances and frames, from
    /// the shards' headers.
    static func reservedSets(_ catalog: DatasetCatalog, layers: [Int]?, width: Int, half: Bool) throws
        -> [String: [Split: UtteranceSet]]
    {
        var sizes = [String: [Split: (frames: Int, utterances: Int, targets: Int)]]()
        for shard in catalog.shards {
            let reader = try ShardReader(url: catalog.url(of: shard), layers: layers)
            for split in Split.allCases {
                let indices = reader.utterances(in: split)
                guard !indices.isEmpty else { continue }
                let frames = indices.reduce(0) { $0 + reader.offsets[$1 + 1] - reader.offsets[$1] }
                let old = sizes[shard.condition, default: [:]][split] ?? (0, 0, reader.targetCount)
                sizes[shard.condition, default: [:]][split] = (
                    old.frames + frames, old.utterances + indices.count, reader.targetCount
                )
            }
        }
        return sizes.mapValues { splits in
            splits.mapValues {
                UtteranceSet.reserved(
                    width: width, targetCount: $0.targets, frames: $0.frames, utterances: $0.utterances, half: half)
            }
        }
    }

    /// About how many decoded bytes the in-memory path reads at a time: large enough that chunk rows are
    /// rarely decoded twice, small beside any dataset worth budgeting.
    static let inMemoryBlockBytes = 64 << 20

    /// Whether every shard stores every layer in `layers` (nil: all) as float16.
    static func allHalf(_ catalog: DatasetCatalog, layers: [Int]?) throws -> Bool {
        guard catalog.shards.allSatisfy({ $0.embeddingType == "float16" }) else { return false }
        for shard in catalog.shards {
            let reader = try ShardReader(url: catalog.url(of: shard), layers: layers)
            guard reader.header.layers.allSatisfy({ $0.embeddingType == .float16 }) else { return false }
        }
        return true
    }

    /// One shard's utterances (file order) restricted to `columns`, handed to `body` as in-memory sets of whole
    /// utterances of about `blockRows` frames, with the index of each block's first utterance.
    static func read(
        _ source: FrameSource, columns: [Int]?, blockRows: Int, _ body: (UtteranceSet, Int) throws -> Void
    ) throws {
        let reader = source.reader
        let spreads = spreads(reader)
        let targets = reader.targetCount
        let ratingStride = (reader.header.raterCount ?? 0) * targets
        for range in UtteranceBlocks.ranges(offsets: reader.offsets, rowsPerBlock: blockRows) {
            let (first, last) = (range.lowerBound, range.upperBound)
            let block = try source.frames(utterances: range, columns: columns)
            let set = UtteranceSet(
                width: columns?.count ?? reader.dimension, frames: block.values, offsets: block.rowOffsets,
                labels: Array(reader.labels[(first * targets)..<(last * targets)]),
                spreads: spreads.map { Array($0[(first * targets)..<(last * targets)]) },
                ids: Array(reader.ids[first..<last]), targetCount: targets,
                ratings: reader.ratings.map { Array($0[(first * ratingStride)..<(last * ratingStride)]) },
                raterCount: reader.header.raterCount ?? 0)
            try body(set, first)
        }
    }

    /// One shard's utterances restricted to `columns`, their frames appended to `store` in blocks of whole
    /// utterances of about `blockRows` frames.
    static func read(_ source: FrameSource, columns: [Int]?, into store: FrameFile, blockRows: Int) throws
        -> UtteranceSet
    {
        let reader = source.reader
        var set = UtteranceSet(
            width: store.width, frames: [], offsets: Array(reader.offsets), labels: reader.labels,
            spreads: spreads(reader), ids: reader.ids, targetCount: reader.targetCount, ratings: reader.ratings,
            raterCount: reader.header.raterCount ?? 0)
        set.store = store
        set.storeRows.reserveCapacity(reader.utteranceCount)
        for range in UtteranceBlocks.ranges(offsets: reader.offsets, rowsPerBlock: blockRows) {
            let block = try source.frames(utterances: range, columns: columns)
            let firstRow = try block.values.withUnsafeBufferPointer { try store.append($0) }
            for k in 0..<range.count { set.storeRows.append(firstRow + block.rowOffsets[k]) }
        }
        set.offsets = set.offsets.map { $0 - set.offsets[0] }
        return set
    }

    /// Rater spreads of a shard's utterances: the population std of `ratings`, or `label_std`; nil without.
    static func spreads(_ reader: ShardReader) -> [Float]? {
        if let ratings = reader.ratings, let raters = reader.header.raterCount {
            return UtteranceSet.raterSpread(
                ratings: ratings, count: reader.utteranceCount, raters: raters, targets: reader.targetCount)
        }
        return reader.labelStd
    }
}

extension UtteranceSet {
    /// The utterances of `parts`, one after the other (spreads kept only when every part has them).
    public static func concatenate(_ parts: [UtteranceSet]) -> UtteranceSet {
        guard var out = parts.first else {
            return UtteranceSet(width: 0, frames: [], offsets: [0], labels: [], spreads: nil, ids: [], targetCount: 0)
        }
        for part in parts.dropFirst() {
            precondition(part.store === out.store, "UtteranceSet.concatenate: parts in different stores")
            precondition(
                part.store != nil || (part.frameStarts == nil && out.frameStarts == nil),
                "UtteranceSet.concatenate: in-memory views")
            let base = out.offsets[out.offsets.count - 1]
            out.frames += part.frames
            if part.halfFrames != nil || out.halfFrames != nil {
                precondition(
                    out.halfFrames != nil && part.halfFrames != nil, "UtteranceSet.concatenate: mixed precision")
                out.halfFrames! += part.halfFrames!
            }
            out.storeRows += part.storeRows
            out.offsets += part.offsets.dropFirst().map { $0 + base }
            out.labels += part.labels
            out.spreads = out.spreads.flatMap { mine in part.spreads.map { mine + $0 } }
            // Ratings are kept only when every part has them from the same number of raters.
            out.ratings =
                part.raterCount == out.raterCount ? out.ratings.flatMap { mine in part.ratings.map { mine + $0 } } : nil
            if out.ratings == nil { out.raterCount = 0 }
            out.ids += part.ids
        }
        return out
    }

    /// The utterances whose ids are in `ids`, in this set's order: a view sharing this set's frames, so that
    /// evaluating the clean utterances matching a condition copies none of them.
    public func restricted(to ids: Set<String>) -> UtteranceSet {
        view(self.ids.indices.filter { ids.contains(self.ids[$0]) })
    }
}

/// Where a shard's frames come from: the shard itself, or a worker's column cache of it (built on first use,
/// the one read of the shard). Counts the decoded bytes taken from each.
final class FrameSource {
    let reader: ShardReader
    private let cached: CachedShard?
    private(set) var bytesFromDataRoot = 0
    private(set) var bytesFromCache = 0

    init(_ reader: ShardReader, cache: ColumnCache?) throws {
        self.reader = reader
        if let cache {
            let built = try cache.entry(for: reader)
            cached = built.entry
            if built.created { bytesFromDataRoot += reader.frameCount * reader.dimension * MemoryLayout<Float>.stride }
        } else {
            cached = nil
        }
    }

    /// The frames of `utterances`, only `columns` (all when nil): values row-major and row offsets from 0.
    func frames(utterances: Range<Int>, columns: [Int]?) throws -> (values: [Float], rowOffsets: [Int]) {
        let width = columns?.count ?? reader.dimension
        guard let cached else {
            let block = try reader.readFrames(utterances: utterances, columns: columns)
            bytesFromDataRoot += block.values.count * MemoryLayout<Float>.stride
            return (block.values, block.rowOffsets)
        }
        let first = reader.offsets[utterances.lowerBound]
        let rows = first..<reader.offsets[utterances.upperBound]
        let values = cached.read(rows: rows, columns: columns)
        bytesFromCache += rows.count * width * MemoryLayout<Float>.stride
        return (values, reader.offsets[utterances.lowerBound...utterances.upperBound].map { $0 - first })
    }
}
