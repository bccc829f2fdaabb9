import Foundation
import HDF5

/// An open shard: its header, its per-utterance metadata (read and checked on open) and reads of frames.
///
/// Opening checks every refusal rule that does not need the frames and throws the first problem as a
/// `ShardError`; frames are checked for NaN and infinity as they are read, so a bad frame fails the read
/// that meets it instead of yielding statistics. One reader keeps one file open; use it from one thread at
/// a time, except `readFrameRows`, which several threads may call at once.
///
/// ```swift
/// let reader = try ShardReader(url: shardURL)
/// let block = try reader.readFrames(utterances: 0..<100, columns: [3, 17, 42])
/// for k in 0..<block.utterances.count { let frames = block.frames(ofUtterance: k) /* rows x 3 */ }
/// ```
public final class ShardReader {
    /// The shard's location.
    public let url: URL
    /// Root attributes and shapes.
    public let header: ShardHeader
    /// `offsets` ([N + 1]): utterance i owns frames `offsets[i] ..< offsets[i + 1]`.
    public let offsets: [Int]
    /// `ids` ([N]).
    public let ids: [String]
    /// `split` ([N]).
    public let splits: [Split]
    /// `labels`, row-major [N, T].
    public let labels: [Float]
    /// `ratings`, row-major [N, R, T], NaN where a rater gave none; nil when absent.
    public let ratings: [Float]?
    /// `label_std`, row-major [N, T]; nil when absent.
    public let labelStd: [Float]?

    /// Rows per chunk of `embeddings`, or nil when it is not chunked: reads that start and end on whole
    /// chunk rows decode each chunk once, however the rows are split between reads and threads.
    public let frameChunkRows: Int?

    /// The layers this reader reads, by increasing number (every layer of the shard unless it was opened
    /// with a subset), and their columns laid side by side: `dimension` is their total width.
    public let layers: [ShardLayer]
    /// Column arithmetic over `layers`.
    public let layerColumns: LayerColumns

    private let file: File
    private let embeddings: [Dataset]

    /// Opens the shard at `url` and reads its header and metadata; `layers` (layer numbers) restricts the
    /// columns to those layers (nil: every layer).
    /// - Throws: `ShardError` naming the file, dataset and index of the first problem found, or a layer the
    ///   shard does not have.
    public convenience init(url: URL, layers: [Int]? = nil, cache: ChunkCache = .default) throws {
        var loader = ShardLoader(url: url)
        loader.load()
        try self.init(loaded: loader, layers: layers, cache: cache)
    }

    /// A reader over what `loader` already read and checked (the catalog keeps them, so a pass that follows
    /// does not read and check every shard's metadata twice).
    init(loaded loader: ShardLoader, layers chosen: [Int]? = nil, cache: ChunkCache = .default) throws {
        let url = loader.url
        if let first = loader.problems.first { throw first }
        guard let file = loader.file, let header = loader.header else {
            throw ShardError(file: url.lastPathComponent, message: "cannot read the shard header")
        }
        self.url = url
        self.file = file
        self.header = header
        offsets = loader.offsets
        ids = loader.ids
        splits = loader.splits
        labels = loader.labels
        ratings = loader.ratings
        labelStd = loader.labelStd
        layers = try Self.choose(chosen, from: header)
        layerColumns = LayerColumns(layers.map { LayerWidth(layer: $0.number, dimension: $0.dimension) })
        embeddings = try layers.map { layer in
            do {
                return try file.openDataset(layer.datasetPath, cache: cache)
            } catch {
                throw ShardError(
                    file: url.lastPathComponent, dataset: layer.datasetPath, message: "cannot open: \(error)")
            }
        }
        frameChunkRows = layers[0].chunk?.first
    }

    /// The layers of `header` numbered in `chosen` (every layer when nil), by increasing number.
    static func choose(_ chosen: [Int]?, from header: ShardHeader) throws -> [ShardLayer] {
        guard let chosen else { return header.layers }
        let numbers = header.layers.map(\.number)
        if let missing = chosen.first(where: { !numbers.contains($0) }) {
            let dataset =
                header.formatVersion == ShardFormat.version
                ? ShardFormat.Dataset.embeddings : ShardFormat.Dataset.layers
            throw ShardError(
                file: header.fileName, dataset: dataset,
                message: "has no layer \(missing) (its layers: \(LayerList.describe(numbers)))")
        }
        guard !chosen.isEmpty else {
            throw ShardError(file: header.fileName, dataset: ShardFormat.Dataset.layers, message: "no layers chosen")
        }
        let wanted = Set(chosen)
        return header.layers.filter { wanted.contains($0.number) }
    }

    /// N: number of utterances.
    public var utteranceCount: Int { header.utteranceCount }
    /// D: the width of the columns this reader reads (the chosen layers' D, summed).
    public var dimension: Int { layerColumns.width }
    /// T: number of targets.
    public var targetCount: Int { header.targetCount }
    /// F: number of frames.
    public var frameCount: Int { header.frameCount }

    /// The frames (rows of `embeddings`) of utterance `index`.
    public func frameRange(ofUtterance index: Int) -> Range<Int> { offsets[index]..<offsets[index + 1] }

    /// The labels of utterance `index` (T values).
    public func labels(ofUtterance index: Int) -> ArraySlice<Float> {
        labels[(index * targetCount)..<((index + 1) * targetCount)]
    }

    /// The indices of the utterances in `split`.
    public func utterances(in split: Split) -> [Int] { splits.indices.filter { splits[$0] == split } }

    /// Reads the frames of `utterances`, only `columns` (any order; nil: all D columns), as one contiguous
    /// row-major matrix. float16 shards are converted to Float by HDF5.
    /// - Throws: `ShardError` for a range or column outside the shard, a NaN or infinite value (naming its
    ///   row and column), or an HDF5 failure.
    public func readFrames(utterances: Range<Int>, columns: [Int]? = nil) throws -> FrameBlock {
        let name = layers[0].datasetPath
        guard utterances.lowerBound >= 0, utterances.upperBound <= utteranceCount else {
            throw ShardError(
                file: header.fileName, dataset: name,
                message: "utterances \(utterances) outside 0..<\(utteranceCount)")
        }
        if let bad = columns?.first(where: { $0 < 0 || $0 >= dimension }) {
            throw ShardError(file: header.fileName, dataset: name, message: "column \(bad) outside 0..<\(dimension)")
        }
        let rows = offsets[utterances.lowerBound]..<offsets[utterances.upperBound]
        let columnList = columns ?? Array(0..<dimension)
        let values = try [Float](unsafeUninitializedCapacity: rows.count * columnList.count) { buffer, initialised in
            try readFrameRows(rows, columns: columns, into: UnsafeMutableBufferPointer(rebasing: buffer[...]))
            initialised = rows.count * columnList.count
        }
        let base = offsets[utterances.lowerBound]
        let rowOffsets = offsets[utterances.lowerBound...utterances.upperBound].map { $0 - base }
        return FrameBlock(utterances: utterances, columns: columnList, values: values, rowOffsets: rowOffsets)
    }

    /// Reads frames `rows` (rows of `embeddings`, any range inside `0..<F`), only `columns` (any order;
    /// nil: all D columns), into `buffer`, which must hold `rows.count x width` values, row-major.
    ///
    /// Safe to call from several threads at once, each with its own buffer (libhdf5 serialises its own
    /// calls; chunks are decoded outside it). `decodingThreads` is how many threads this one read may decode
    /// on (nil: every core); a caller that reads on every core already passes 1. Reads aligned to
    /// `frameChunkRows` decode each chunk once.
    /// - Throws: `ShardError` for rows or a column outside the shard, a NaN or infinite value (naming its
    ///   row and column), or an HDF5 failure.
    public func readFrameRows(
        _ rows: Range<Int>, columns: [Int]? = nil, into buffer: UnsafeMutableBufferPointer<Float>,
        decodingThreads: Int? = nil
    ) throws {
        let name = layers.count == 1 ? layers[0].datasetPath : ShardFormat.Dataset.layers
        guard rows.lowerBound >= 0, rows.upperBound <= frameCount else {
            throw ShardError(file: header.fileName, dataset: name, message: "rows \(rows) outside 0..<\(frameCount)")
        }
        if let bad = columns?.first(where: { $0 < 0 || $0 >= dimension }) {
            throw ShardError(file: header.fileName, dataset: name, message: "column \(bad) outside 0..<\(dimension)")
        }
        let width = columns?.count ?? dimension
        let plan = LayerReadPlan(columns: columns, over: layerColumns)
        for part in plan.parts {
            let path = layers[part.position].datasetPath
            do {
                if plan.parts.count == 1 && part.isIdentity(width: width) {
                    try embeddings[part.position].read(
                        rows: rows, columns: part.localColumns, into: buffer, decodingThreads: decodingThreads)
                } else {
                    try part.read(
                        embeddings[part.position], rows: rows, into: buffer, width: width,
                        decodingThreads: decodingThreads)
                }
            } catch {
                throw ShardError(file: header.fileName, dataset: path, message: "cannot read rows \(rows): \(error)")
            }
        }
        let values = UnsafeBufferPointer(buffer)
        let bad = decodingThreads == 1 ? firstNonFinite(inOneThread: values) : firstNonFinite(values)
        if let bad {
            let column = columns?[bad % max(width, 1)] ?? bad % max(width, 1)
            let position = layerColumns.position(ofColumn: column)
            throw ShardError(
                file: header.fileName, dataset: layers[position].datasetPath,
                index: indexText(rows.lowerBound + bad / max(width, 1), column - layerColumns.starts[position]),
                message: "\(values[bad]) (NaN and infinity are allowed only in ratings)")
        }
    }

    /// Iterates the utterances of `range`, reading only `columns`, in blocks of about `framesPerRead` frames.
    public func utteranceIterator(
        over range: Range<Int>? = nil, columns: [Int]? = nil, framesPerRead: Int = 16_384
    ) -> UtteranceIterator {
        UtteranceIterator(
            reader: self, range: range ?? 0..<utteranceCount, columns: columns, framesPerRead: framesPerRead)
    }

    /// Calls `body` with every utterance of `range` (default: all), reading only `columns`.
    public func forEachUtterance(
        in range: Range<Int>? = nil, columns: [Int]? = nil, _ body: (Utterance) throws -> Void
    ) throws {
        var iterator = utteranceIterator(over: range, columns: columns)
        while let utterance = try iterator.next() { try body(utterance) }
    }
}

/// One utterance as the iterator yields it.
public struct Utterance: Sendable {
    /// Index in the shard.
    public var index: Int
    /// Its id.
    public var id: String
    /// Its split.
    public var split: Split
    /// Its labels (T values).
    public var labels: [Float]
    /// Its frames, row-major `frameCount x width`, restricted to the iterator's columns.
    public var frames: [Float]
    /// Number of frames.
    public var frameCount: Int
    /// Values per frame.
    public var width: Int
}

/// Walks the utterances of a row range, reading blocks of frames restricted to a column set.
public struct UtteranceIterator {
    let reader: ShardReader
    let range: Range<Int>
    let columns: [Int]?
    let framesPerRead: Int
    private var position: Int
    private var block: FrameBlock?

    init(reader: ShardReader, range: Range<Int>, columns: [Int]?, framesPerRead: Int) {
        self.reader = reader
        self.range = range
        self.columns = columns
        self.framesPerRead = max(1, framesPerRead)
        position = range.lowerBound
    }

    /// The next utterance, or nil after the last.
    public mutating func next() throws -> Utterance? {
        guard position < range.upperBound else { return nil }
        if block == nil || !(block!.utterances.contains(position)) {
            var end = position + 1
            let start = reader.offsets[position]
            while end < range.upperBound && reader.offsets[end + 1] - start <= framesPerRead { end += 1 }
            block = try reader.readFrames(utterances: position..<end, columns: columns)
        }
        guard let block else { return nil }
        let k = position - block.utterances.lowerBound
        let utterance = Utterance(
            index: position, id: reader.ids[position], split: reader.splits[position],
            labels: Array(reader.labels(ofUtterance: position)), frames: Array(block.frames(ofUtterance: k)),
            frameCount: block.rows(ofUtterance: k).count, width: block.width)
        position += 1
        return utterance
    }
}

/// The index of the first NaN or infinity in `values`, or nil. A large block is checked in slices on every
/// core: the check sits between a read and the next one, so on one thread it would hold up the whole pass.
func firstNonFinite(_ buffer: UnsafeBufferPointer<Float>) -> Int? {
    let minimumSlice = 1 << 18
    let slices = min(ProcessInfo.processInfo.activeProcessorCount, buffer.count / minimumSlice)
    if slices <= 1 { return allFinite(buffer) ? nil : buffer.firstIndex { !$0.isFinite } }
    let sliceLength = (buffer.count + slices - 1) / slices
    let verdicts = FiniteVerdicts(count: slices)
    DispatchQueue.concurrentPerform(iterations: slices) { slice in
        let start = slice * sliceLength
        let part = UnsafeBufferPointer(rebasing: buffer[start..<min(buffer.count, start + sliceLength)])
        verdicts.set(slice, allFinite(part))
    }
    guard let bad = verdicts.firstFalse else { return nil }
    let start = bad * sliceLength
    return buffer[start..<min(buffer.count, start + sliceLength)].firstIndex { !$0.isFinite }
}

/// The index of the first NaN or infinity in `values`, or nil, checked on the calling thread only.
func firstNonFinite(inOneThread buffer: UnsafeBufferPointer<Float>) -> Int? {
    allFinite(buffer) ? nil : buffer.firstIndex { !$0.isFinite }
}

/// Whether every value is finite, sixteen lanes at a time (x * 0 is 0 for finite x and NaN otherwise, and
/// lanes do not mix, so the loop vectorises).
private func allFinite(_ buffer: UnsafeBufferPointer<Float>) -> Bool {
    guard let base = buffer.baseAddress else { return true }
    let lanes = 16
    let wholeVectors = buffer.count / lanes
    var accumulator = SIMD16<Float>(repeating: 0)
    let raw = UnsafeRawPointer(base)
    for index in 0..<wholeVectors {
        accumulator += raw.loadUnaligned(fromByteOffset: index * lanes * 4, as: SIMD16<Float>.self) * 0
    }
    for index in (wholeVectors * lanes)..<buffer.count where !buffer[index].isFinite { return false }
    return accumulator == SIMD16<Float>(repeating: 0)
}

/// One verdict per slice, written from the checking threads.
private final class FiniteVerdicts: @unchecked Sendable {
    private let lock = NSLock()
    private var verdicts: [Bool]

    init(count: Int) { verdicts = Array(repeating: true, count: count) }

    func set(_ slice: Int, _ finite: Bool) { lock.withLock { verdicts[slice] = finite } }

    /// The first slice holding a NaN or infinity.
    var firstFalse: Int? { lock.withLock { verdicts.firstIndex(of: false) } }
}
