import Foundation
import HDF5

/// The root attributes a writer stores.
public struct ShardMetadata: Equatable, Sendable {
    /// Free text naming the model and layer the frames came from.
    public var encoder: String
    /// `regression` or `binary`.
    public var task: TaskKind
    /// Target names (T >= 1), in column order.
    public var targets: [String]
    /// The condition; nil or `clean` writes no `condition` attribute.
    public var condition: String?
    /// Further root attributes (e.g. `synthetic_relevant_dims`).
    public var extraAttributes: [String: AttributeValue]

    /// Creates metadata.
    public init(
        encoder: String, task: TaskKind, targets: [String], condition: String? = nil,
        extraAttributes: [String: AttributeValue] = [:]
    ) {
        self.encoder = encoder
        self.task = task
        self.targets = targets
        self.condition = condition
        self.extraAttributes = extraAttributes
    }
}

/// Writes one shard, utterance after utterance, in the format's exact layout.
///
/// Frames stream to disk in chunk-sized blocks; ids, splits, labels and ratings are kept in memory and
/// written by `finish()`. The file is written under a temporary name and renamed into place by `finish()`,
/// so a failed or abandoned write leaves no partial shard. Bad input (wrong counts, NaN, duplicate ids) is
/// refused with a `ShardError` before anything is written.
///
/// With `layers` (layer numbers) it writes a version-2 shard of one `layers/<n>/embeddings` of width
/// `dimension` per layer; each appended frame is then the layers' D values side by side, in the order of
/// `layers` (the column space readers give back).
///
/// ```swift
/// let writer = try ShardWriter(url: out, dimension: 64, metadata: ShardMetadata(
///     encoder: "synthetic", task: .regression, targets: ["valence"]), raterCount: 5)
/// try writer.append(id: "u1", split: .train, frames: rows, labels: [0.3], ratings: fiveRatings)
/// try writer.finish()
/// ```
public final class ShardWriter {
    /// Where the shard will be.
    public let url: URL
    /// D (of each layer).
    public let dimension: Int
    /// The layer numbers of a version-2 shard; nil for a version-1 shard.
    public let layers: [Int]?
    /// The root attributes.
    public let metadata: ShardMetadata
    /// R, when the shard stores `ratings`.
    public let raterCount: Int?
    /// Whether the shard stores `label_std`.
    public let storesLabelStd: Bool
    /// The on-disk layout of `embeddings`.
    public let layout: ShardLayout

    private let temporaryURL: URL
    private var file: File?
    private var embeddings: [Dataset] = []
    private var pending: [Float] = []
    private var writtenRows = 0
    private var offsets: [Int64] = [0]
    private var ids: [String] = []
    private var idSet: Set<String> = []
    private var splits: [UInt8] = []
    private var labels: [Float] = []
    private var ratings: [Float] = []
    private var labelStd: [Float] = []
    private var finished = false

    private var fileName: String { url.lastPathComponent }
    /// Values per appended frame: D times the number of layers.
    private var rowWidth: Int { dimension * (layers?.count ?? 1) }
    private var targetCount: Int { metadata.targets.count }

    /// Starts a shard at `url` (replacing any file there when `finish()` succeeds).
    public init(
        url: URL, dimension: Int, metadata: ShardMetadata, raterCount: Int? = nil, storesLabelStd: Bool = false,
        layout: ShardLayout = .default, layers: [Int]? = nil
    ) throws {
        guard dimension > 0 else { throw ShardError(file: url.lastPathComponent, message: "dimension must be > 0") }
        if let layers {
            guard !layers.isEmpty, Set(layers).count == layers.count, layers.allSatisfy({ $0 >= 0 && $0 < 1_000_000 })
            else {
                throw ShardError(
                    file: url.lastPathComponent, dataset: ShardFormat.Dataset.layers,
                    message: "layer numbers must be distinct, in 0..<1000000, and at least one: \(layers)")
            }
        }
        guard !metadata.targets.isEmpty else {
            throw ShardError(file: url.lastPathComponent, dataset: "targets", message: "needs at least one target")
        }
        guard layout.embeddingType == .float32 || layout.embeddingType == .float16 else {
            throw ShardError(file: url.lastPathComponent, dataset: "embeddings", message: "must be float32 or float16")
        }
        self.url = url
        self.dimension = dimension
        self.metadata = metadata
        self.raterCount = raterCount
        self.storesLabelStd = storesLabelStd
        self.layout = layout
        self.layers = layers
        temporaryURL = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).partial")
        do {
            let file = try File.create(temporaryURL.path)
            self.file = file
            let paths: [String]
            if let layers {
                let group = try file.createGroup(ShardFormat.Dataset.layers)
                paths = try layers.map { number in
                    let name = String(format: "%02d", number)
                    _ = try group.createGroup(name)
                    return ShardFormat.Dataset.layerEmbeddings(name)
                }
            } else {
                paths = [ShardFormat.Dataset.embeddings]
            }
            embeddings = try paths.map { path in
                try file.createDataset(
                    path, type: layout.embeddingType, shape: [0, dimension], maxShape: [nil, dimension],
                    layout: layout.datasetLayout(dimension: dimension))
            }
        } catch {
            throw ShardError(file: url.lastPathComponent, message: "cannot create: \(error)")
        }
    }

    deinit {
        if !finished { try? FileManager.default.removeItem(at: temporaryURL) }
    }

    /// Number of utterances appended so far.
    public var utteranceCount: Int { ids.count }

    /// Appends one utterance.
    /// - Parameters:
    ///   - frames: row-major `frames x D` values, at least one frame, all finite.
    ///   - labels: T finite values (0 or 1 for binary tasks).
    ///   - ratings: R x T values (NaN for a missing rating) when the writer has `raterCount`.
    ///   - labelStd: T values when the writer `storesLabelStd`.
    public func append(
        id: String, split: Split, frames: [Float], labels: [Float], ratings: [Float]? = nil, labelStd: [Float]? = nil
    ) throws {
        let index = ids.count
        func refuse(_ dataset: String, _ message: String) -> ShardError {
            ShardError(file: fileName, dataset: dataset, index: indexText(index), message: message)
        }
        guard !finished else { throw ShardError(file: fileName, message: "append after finish") }
        guard !frames.isEmpty, frames.count % rowWidth == 0 else {
            throw refuse(
                "embeddings", "\(frames.count) values are not a positive number of frames of \(rowWidth) values")
        }
        if let bad = frames.first(where: { !$0.isFinite }) { throw refuse("embeddings", "\(bad) in the frames") }
        guard labels.count == targetCount else {
            throw refuse("labels", "\(labels.count) values for T = \(targetCount) targets")
        }
        if let bad = labels.first(where: { !$0.isFinite || (metadata.task == .binary && $0 != 0 && $0 != 1) }) {
            throw refuse("labels", "\(bad) is not a valid \(metadata.task.rawValue) label")
        }
        if let raterCount {
            guard let ratings, ratings.count == raterCount * targetCount, !ratings.contains(where: \.isInfinite) else {
                throw refuse(
                    "ratings", "needs R x T = \(raterCount * targetCount) values, NaN for missing, none infinite")
            }
        }
        if storesLabelStd {
            guard let labelStd, labelStd.count == targetCount, labelStd.allSatisfy(\.isFinite) else {
                throw refuse("label_std", "needs T = \(targetCount) finite values")
            }
        }
        guard !idSet.contains(id) else { throw refuse("ids", "\"\(id)\" was already appended") }
        idSet.insert(id)
        ids.append(id)
        splits.append(split.rawValue)
        self.labels += labels
        if raterCount != nil, let ratings { self.ratings += ratings }
        if storesLabelStd, let labelStd { self.labelStd += labelStd }
        pending += frames
        offsets.append(offsets.last! + Int64(frames.count / rowWidth))
        if pending.count >= layout.chunkRows * rowWidth { try flush() }
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        let rows = pending.count / rowWidth
        do {
            guard !embeddings.isEmpty else { throw ShardError(file: fileName, message: "already closed") }
            for (position, dataset) in embeddings.enumerated() {
                let values = embeddings.count == 1 ? pending : layerColumns(position, rows: rows)
                try dataset.resize(to: [writtenRows + rows, dimension])
                try dataset.write(values, atRow: writtenRows)
            }
        } catch {
            throw ShardError(file: fileName, dataset: "embeddings", message: "cannot write: \(error)")
        }
        writtenRows += rows
        pending.removeAll(keepingCapacity: true)
    }

    /// Layer `position`'s D columns of the pending rows, row-major.
    private func layerColumns(_ position: Int, rows: Int) -> [Float] {
        var values = [Float]()
        values.reserveCapacity(rows * dimension)
        for row in 0..<rows {
            let start = row * rowWidth + position * dimension
            values.append(contentsOf: pending[start..<(start + dimension)])
        }
        return values
    }

    /// Writes the metadata and the attributes, closes the file and moves it into place.
    public func finish() throws {
        guard !finished else { return }
        guard !ids.isEmpty else { throw ShardError(file: fileName, message: "a shard needs at least one utterance") }
        typealias D = ShardFormat.Dataset
        typealias A = ShardFormat.Attribute
        let n = ids.count
        let t = targetCount
        do {
            try flush()
            guard let file else { throw ShardError(file: fileName, message: "already closed") }
            try file.writeDataset(D.offsets, offsets)
            try file.writeStrings(D.ids, ids)
            try file.writeDataset(D.split, splits)
            try file.writeDataset(D.labels, labels, shape: [n, t])
            if let raterCount { try file.writeDataset(D.ratings, ratings, shape: [n, raterCount, t]) }
            if storesLabelStd { try file.writeDataset(D.labelStd, labelStd, shape: [n, t]) }
            try file.writeAttribute(A.format, .string(ShardFormat.formatName))
            try file.writeAttribute(
                A.formatVersion, .int(layers == nil ? ShardFormat.version : ShardFormat.layeredVersion))
            try file.writeAttribute(A.encoder, .string(metadata.encoder))
            try file.writeAttribute(A.task, .string(metadata.task.rawValue))
            try file.writeAttribute(A.targets, .strings(metadata.targets))
            if let condition = metadata.condition, condition != ShardFormat.cleanCondition {
                try file.writeAttribute(A.condition, .string(condition))
            }
            for (name, value) in metadata.extraAttributes.sorted(by: { $0.key < $1.key }) {
                try file.writeAttribute(name, value)
            }
            try file.flush()
        } catch let error as ShardError {
            throw error
        } catch {
            throw ShardError(file: fileName, message: "cannot write: \(error)")
        }
        // Releasing the last objects closes the file before it moves into place.
        embeddings = []
        file = nil
        finished = true
        do {
            if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
            try FileManager.default.moveItem(at: temporaryURL, to: url)
        } catch {
            throw ShardError(file: fileName, message: "cannot move the finished shard into place: \(error)")
        }
    }
}
