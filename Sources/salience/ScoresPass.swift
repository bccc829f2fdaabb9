import Foundation
import Saliency
import Shards

/// One streaming pass over the clean shards of a dataset for `salience scores`.
///
/// Each shard's frames are cut into units of whole chunk rows. Every thread takes the next unit, reads it
/// into its own buffer (libhdf5 only fetches the stored chunks, under its lock; the thread decodes them),
/// checks it for NaN and infinity and pools it. Reading, decoding and pooling thus run on every core with no
/// hand-off between threads, and a buffer is reused from unit to unit instead of being faulted in afresh.
///
/// An utterance cut by a unit's edge is pooled when its last piece is merged, from its frames in order, so
/// every pooled row is the one a read of the whole utterance gives. Results merge in unit order, so the
/// result does not depend on thread timing, and at most `2 x threads` units run ahead of the merge: memory
/// stays at one unit per thread plus the partials, whatever the dataset size.
final class ScoresPass {
    let shards: [URL]
    /// Readers the catalog kept open, by file name; the other shards are opened as the pass reaches them.
    let opened: [String: ShardReader]
    let split: Split
    let pooling: Pooling
    let targetCount: Int
    let threads: Int
    /// Frames per unit (rounded to whole chunk rows).
    let framesPerRead: Int
    let progress: (String) -> Void

    init(
        shards: [URL], opened: [String: ShardReader], split: Split, pooling: Pooling, targetCount: Int, threads: Int,
        framesPerRead: Int, progress: @escaping (String) -> Void
    ) {
        self.shards = shards
        self.opened = opened
        self.split = split
        self.pooling = pooling
        self.targetCount = targetCount
        self.threads = max(1, threads)
        self.framesPerRead = max(1, framesPerRead)
        self.progress = progress
    }

    /// Streams every utterance of the split, restricted to the contiguous `columns` (all when nil), calling
    /// `compute` for each pooled batch and `merge` (one at a time, in frame order) on its result. Throws the
    /// error of the earliest unit that failed (read, check, compute or merge), after every thread has stopped.
    func run<Result>(
        columns: Range<Int>?, compute: @escaping (Observations) throws -> Result,
        merge: @escaping (Result) throws -> Void
    ) throws {
        let units = UnitDispenser(
            shards: shards, opened: opened, split: split, framesPerRead: framesPerRead, window: 2 * threads,
            progress: progress)
        let columnList = columns.map { Array($0) }
        let firstDimension = columns?.lowerBound ?? 0
        let cutter = UnitPooling(
            split: split, pooling: pooling, targetCount: targetCount, columns: columnList,
            firstDimension: firstDimension)
        let merger = UnitMerger<Result>(
            cutter: cutter, compute: compute, merge: merge, merged: { units.merged(through: $0) })

        let done = DispatchGroup()
        for index in 0..<threads {
            done.enter()
            let worker = Thread {
                defer { done.leave() }
                var buffer: [Float] = []
                while let unit = units.next() {
                    do {
                        let width = columnList?.count ?? unit.reader.dimension
                        if buffer.count < unit.rows.count * width {
                            buffer = [Float](repeating: 0, count: unit.rows.count * width)
                        }
                        let result = try buffer.withUnsafeMutableBufferPointer { whole in
                            let frames = UnsafeMutableBufferPointer(rebasing: whole[0..<(unit.rows.count * width)])
                            try unit.reader.readFrameRows(
                                unit.rows, columns: columnList, into: frames, decodingThreads: 1)
                            return try cutter.cut(unit, frames: UnsafeBufferPointer(frames), compute: compute)
                        }
                        merger.submit(unit.sequence, .success(result))
                    } catch {
                        merger.submit(unit.sequence, .failure(error))
                    }
                    if let failed = merger.failedSequence { units.stop(after: failed) }
                }
            }
            worker.name = "scores-pass-\(index)"
            worker.stackSize = 1 << 22
            worker.start()
        }
        done.wait()
        // A merged unit's failure comes before a shard the pass could not open: every unit was handed out
        // before the pass reached that shard.
        if let error = merger.error ?? units.error { throw error }
        try merger.finish()
    }
}

/// A run of whole chunk rows of one shard's frames: the work one thread does at a time.
struct PassUnit {
    /// Position in the pass (units merge in this order).
    var sequence: Int
    var reader: ShardReader
    /// Frames (rows of `embeddings`).
    var rows: Range<Int>
}

/// Hands out the units of every shard in order, opening shards as it reaches them, and holds a thread back
/// while the unit it would take is too far ahead of the merge.
final class UnitDispenser: @unchecked Sendable {
    private let condition = NSCondition()
    private let shards: [URL]
    private let opened: [String: ShardReader]
    private let split: Split
    private let framesPerRead: Int
    private let window: Int
    private let progress: (String) -> Void

    private var shardIndex = -1
    private var reader: ShardReader?
    private var pending: [Range<Int>] = []
    private var position = 0
    private var sequence = 0
    private var mergedCount = 0
    private var stopAt: Int?
    private var openingError: Error?

    init(
        shards: [URL], opened: [String: ShardReader], split: Split, framesPerRead: Int, window: Int,
        progress: @escaping (String) -> Void
    ) {
        self.shards = shards
        self.opened = opened
        self.split = split
        self.framesPerRead = framesPerRead
        self.window = max(1, window)
        self.progress = progress
    }

    /// A shard that could not be opened when the pass reached it.
    var error: Error? { condition.withLock { openingError } }

    /// The next unit, or nil when there are no more or the pass stopped.
    func next() -> PassUnit? {
        condition.lock()
        defer { condition.unlock() }
        while sequence - mergedCount >= window && stopAt.map({ sequence <= $0 }) ?? true { condition.wait() }
        if let stopAt, sequence > stopAt { return nil }
        while position == pending.count {
            guard shardIndex + 1 < shards.count else { return nil }
            shardIndex += 1
            let url = shards[shardIndex]
            do {
                let next = try opened[url.lastPathComponent] ?? ShardReader(url: url)
                progress("reading \(url.lastPathComponent) (\(shardIndex + 1)/\(shards.count))")
                reader = next
                pending = Self.units(of: next, split: split, framesPerRead: framesPerRead)
                position = 0
            } catch {
                // Every earlier unit has been handed out; they finish, this shard's error follows theirs.
                openingError = error
                stopAt = sequence - 1
                condition.broadcast()
                return nil
            }
        }
        defer {
            position += 1
            sequence += 1
        }
        return PassUnit(sequence: sequence, reader: reader!, rows: pending[position])
    }

    /// Units `0...sequence` are merged: threads waiting for the merge to catch up may go on.
    func merged(through sequence: Int) {
        condition.withLock {
            mergedCount = max(mergedCount, sequence + 1)
            condition.broadcast()
        }
    }

    /// Hands out no unit after `sequence` (one failed; only earlier ones can still change the error).
    func stop(after sequence: Int) {
        condition.withLock {
            stopAt = min(stopAt ?? sequence, sequence)
            condition.broadcast()
        }
    }

    /// The shard's frames in runs of whole chunk rows of about `framesPerRead` frames (a chunk row taller than
    /// four runs is split, its chunks decoded by each read), skipping runs that hold no frame of the split.
    static func units(of reader: ShardReader, split: Split, framesPerRead: Int) -> [Range<Int>] {
        let frames = reader.frameCount
        guard frames > 0 else { return [] }
        let chunkRows = reader.frameChunkRows ?? 1
        let height =
            chunkRows > 4 * framesPerRead ? framesPerRead : max(chunkRows, framesPerRead / chunkRows * chunkRows)
        var units: [Range<Int>] = []
        var utterance = 0
        var start = 0
        while start < frames {
            let rows = start..<min(frames, start + height)
            // Utterances are in frame order: walk them alongside the runs.
            while reader.offsets[utterance + 1] <= rows.lowerBound { utterance += 1 }
            var touching = utterance
            var wanted = false
            while touching < reader.utteranceCount && reader.offsets[touching] < rows.upperBound {
                if reader.splits[touching] == split {
                    wanted = true
                    break
                }
                touching += 1
            }
            if wanted { units.append(rows) }
            start = rows.upperBound
        }
        return units
    }
}

/// An utterance's frames that a unit holds only part of.
struct UtterancePiece {
    var reader: ObjectIdentifier
    var utterance: Int
    /// The frames (rows of `embeddings`) the piece holds, and their values, row-major `rows.count x width`.
    var rows: Range<Int>
    var frames: [Float]
    var width: Int
    /// Whether the utterance's first and last frames are in this piece.
    var begins: Bool
    var ends: Bool
    /// Its labels (T values).
    var labels: [Float]

    /// Whether `next` is the piece that follows this one.
    func isContinued(by next: UtterancePiece) -> Bool {
        next.reader == reader && next.utterance == utterance && next.rows.lowerBound == rows.upperBound
    }
}

/// What one unit yields: the statistics of the utterances it holds whole, and the pieces of those it cuts.
struct UnitYield<Result> {
    /// The piece of the utterance that started before the unit (or starts in it and runs past it, when it is
    /// the only one the unit holds).
    var leading: UtterancePiece?
    /// The statistics of the rows pooled from whole utterances (nil when there were none in the split).
    var inner: Result?
    /// The piece of the utterance that starts in the unit and runs past it.
    var trailing: UtterancePiece?
}

/// Pools a unit's frames: whole utterances (or every frame, at frame level) at once, cut ones as pieces.
struct UnitPooling: Sendable {
    let split: Split
    let pooling: Pooling
    let targetCount: Int
    let columns: [Int]?
    let firstDimension: Int

    func cut<Result>(
        _ unit: PassUnit, frames: UnsafeBufferPointer<Float>, compute: (Observations) throws -> Result
    ) throws -> UnitYield<Result> {
        let reader = unit.reader
        let rows = unit.rows
        let width = columns?.count ?? reader.dimension
        let offsets = reader.offsets
        // The first utterance holding a frame of the unit (offsets increase strictly).
        var low = 0
        var high = reader.utteranceCount - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if offsets[middle] <= rows.lowerBound { low = middle } else { high = middle - 1 }
        }
        var yield = UnitYield<Result>()
        // The rows pooled at once: utterance boundaries clipped to the unit.
        var boundaries: [Int] = []
        var include: [Bool] = []
        var labels: [Float] = []
        var utterance = low
        while utterance < reader.utteranceCount && offsets[utterance] < rows.upperBound {
            let start = max(offsets[utterance], rows.lowerBound)
            let end = min(offsets[utterance + 1], rows.upperBound)
            let wanted = reader.splits[utterance] == split
            let whole = offsets[utterance] >= rows.lowerBound && offsets[utterance + 1] <= rows.upperBound
            let ownLabels = reader.labels(ofUtterance: utterance)
            if pooling == .utterance && !whole {
                if wanted {
                    let values = frames[((start - rows.lowerBound) * width)..<((end - rows.lowerBound) * width)]
                    let piece = UtterancePiece(
                        reader: ObjectIdentifier(reader), utterance: utterance, rows: start..<end,
                        frames: Array(values), width: width, begins: offsets[utterance] >= rows.lowerBound,
                        ends: offsets[utterance + 1] <= rows.upperBound, labels: Array(ownLabels))
                    if start == rows.lowerBound { yield.leading = piece } else { yield.trailing = piece }
                }
            } else {
                if boundaries.isEmpty { boundaries.append(start) }
                boundaries.append(end)
                include.append(wanted)
                labels.append(contentsOf: ownLabels)
            }
            utterance += 1
        }
        if include.contains(true) {
            let first = boundaries[0] - rows.lowerBound
            let last = boundaries[boundaries.count - 1] - rows.lowerBound
            let observations = try Observations.pooling(
                frames: UnsafeBufferPointer(rebasing: frames[(first * width)..<(last * width)]), dimensions: width,
                offsets: boundaries, labels: labels, targetCount: targetCount, pooling: pooling, include: include,
                firstDimension: firstDimension)
            yield.inner = try compute(observations)
        }
        return yield
    }

    /// Pools an utterance whose frames came in pieces from several units.
    func pool(_ piece: UtterancePiece) throws -> Observations {
        try piece.frames.withUnsafeBufferPointer {
            try Observations.pooling(
                frames: $0, dimensions: piece.width, offsets: [0, piece.rows.count], labels: piece.labels,
                targetCount: targetCount,
                pooling: .utterance, firstDimension: firstDimension)
        }
    }
}

/// Merges unit results in unit order, joining the pieces of cut utterances, and keeps the error of the
/// earliest unit that failed.
final class UnitMerger<Result>: @unchecked Sendable {
    private let lock = NSLock()
    private let cutter: UnitPooling
    private let compute: (Observations) throws -> Result
    private let merge: (Result) throws -> Void
    private let merged: (Int) -> Void
    private var pending: [Int: UnitYield<Result>] = [:]
    private var next = 0
    private var carried: UtterancePiece?
    private var failure: (sequence: Int, error: Error)?

    init(
        cutter: UnitPooling, compute: @escaping (Observations) throws -> Result,
        merge: @escaping (Result) throws -> Void, merged: @escaping (Int) -> Void
    ) {
        self.cutter = cutter
        self.compute = compute
        self.merge = merge
        self.merged = merged
    }

    /// The sequence of the earliest unit known to have failed.
    var failedSequence: Int? { lock.withLock { failure?.sequence } }
    /// Its error.
    var error: Error? { lock.withLock { failure?.error } }

    /// Holds a unit's result until every earlier unit is merged, then merges all that are ready; a failure
    /// is kept if it is the earliest so far, and no unit after it is merged.
    func submit(_ sequence: Int, _ result: Swift.Result<UnitYield<Result>, Error>) {
        var mergedThrough: Int?
        lock.withLock {
            switch result {
            case .success(let yield): pending[sequence] = yield
            case .failure(let error): record(sequence, error)
            }
            while next < failure?.sequence ?? Int.max, let ready = pending.removeValue(forKey: next) {
                do {
                    try absorb(ready)
                } catch {
                    record(next, error)
                    break
                }
                mergedThrough = next
                next += 1
            }
        }
        if let mergedThrough { merged(mergedThrough) }
    }

    /// After the last unit: no utterance may be left half merged (its rows would be lost silently).
    func finish() throws {
        if let piece = lock.withLock({ carried }) {
            throw SaliencyError.invalidParameter(
                "scores pass: utterance \(piece.utterance) ended at frame \(piece.rows.upperBound) without its last "
                    + "piece (an internal error; please report it)")
        }
    }

    private func record(_ sequence: Int, _ error: Error) {
        if failure.map({ sequence < $0.sequence }) ?? true { failure = (sequence, error) }
    }

    private func absorb(_ yield: UnitYield<Result>) throws {
        if let leading = yield.leading {
            if let piece = carried, piece.isContinued(by: leading) {
                carried!.rows = piece.rows.lowerBound..<leading.rows.upperBound
                carried!.frames.append(contentsOf: leading.frames)
                carried!.ends = leading.ends
            } else if carried == nil && leading.begins {
                carried = leading
            } else {
                throw SaliencyError.invalidParameter(
                    "scores pass: frames \(leading.rows) of utterance \(leading.utterance) do not follow the piece "
                        + "merged before them (an internal error; please report it)")
            }
            if let piece = carried, piece.ends {
                carried = nil
                try merge(compute(cutter.pool(piece)))
            }
        }
        if let inner = yield.inner { try merge(inner) }
        if let trailing = yield.trailing { carried = trailing }
    }
}
