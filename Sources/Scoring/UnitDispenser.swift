import Foundation
import Shards

/// A run of whole chunk rows of one shard's frames: the work one thread does at a time.
struct PassUnit: @unchecked Sendable {
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
    private let sources: [PassSource]
    private let loan: ReaderLoan
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
        sources: [PassSource], loan: ReaderLoan, split: Split, framesPerRead: Int, window: Int,
        progress: @escaping (String) -> Void
    ) {
        self.sources = sources
        self.loan = loan
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
            guard shardIndex + 1 < sources.count else {
                // Every unit is handed out: the last shard's reader goes with its units, not with the threads
                // that ran them (a thread's closure can outlive the pass's wait for it).
                reader = nil
                return nil
            }
            shardIndex += 1
            let source = sources[shardIndex]
            let url = source.url
            do {
                let next = try loan.take(url.lastPathComponent) ?? ShardReader(url: url, layers: source.layers)
                progress("reading \(url.lastPathComponent) (\(shardIndex + 1)/\(sources.count))")
                reader = next
                pending = try Self.units(
                    of: next, utterances: source.utterances, split: split, framesPerRead: framesPerRead)
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

    /// The frames of `utterances` (all when nil) in runs of whole chunk rows of about `framesPerRead`
    /// frames (a chunk row taller than four runs is split, its chunks decoded by each read), skipping runs
    /// that hold no frame of the split. Runs sit on the shard's grid of whole chunk rows; only the first and
    /// last are clipped to the utterances' frames, so a task's share reads the chunks the whole pass would.
    static func units(
        of reader: ShardReader, utterances: Range<Int>? = nil, split: Split, framesPerRead: Int
    ) throws -> [Range<Int>] {
        let range = utterances ?? 0..<reader.utteranceCount
        guard range.lowerBound >= 0, range.upperBound <= reader.utteranceCount else {
            throw ShardError(
                file: reader.header.fileName,
                message: "utterances \(range.lowerBound)..<\(range.upperBound) outside 0..<\(reader.utteranceCount)")
        }
        guard !range.isEmpty else { return [] }
        let first = reader.offsets[range.lowerBound]
        let frames = reader.offsets[range.upperBound]
        guard frames > first else { return [] }
        let chunkRows = reader.frameChunkRows ?? 1
        let height =
            chunkRows > 4 * framesPerRead ? framesPerRead : max(chunkRows, framesPerRead / chunkRows * chunkRows)
        var units: [Range<Int>] = []
        var utterance = range.lowerBound
        var start = first
        while start < frames {
            let rows = start..<min(frames, (start / height + 1) * height)
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
