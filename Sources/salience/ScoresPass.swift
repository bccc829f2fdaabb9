import Foundation
import Saliency
import Shards

/// One streaming pass over the clean shards of a dataset for `salience scores`: a reader thread reads
/// blocks of utterances (libhdf5 serialises its calls; the chunks are inflated on every core) and hands them to
/// compute threads through a bounded queue, so memory stays at a few blocks whatever the dataset size.
/// Each block's statistics are merged in block order, so the result does not depend on thread timing.
final class ScoresPass {
    /// A block of frames as read, with what the compute side needs to pool it.
    struct Block {
        var sequence: Int
        var frames: FrameBlock
        var labels: [Float]
        var include: [Bool]
    }

    let shards: [URL]
    /// Readers the catalog kept open, by file name; the other shards are opened as the pass reaches them.
    let opened: [String: ShardReader]
    let split: Split
    let pooling: Pooling
    let targetCount: Int
    let threads: Int
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
        self.framesPerRead = framesPerRead
        self.progress = progress
    }

    /// Streams every utterance of the split, restricted to the contiguous `columns` (all when nil), calling
    /// `compute` on a compute thread for each pooled block and `merge` (under a lock, in block order) on
    /// its result. Throws the first error met, reader's or compute's, after every thread has stopped.
    func run<Result>(
        columns: Range<Int>?, compute: @escaping (Observations) throws -> Result,
        merge: @escaping (Result) throws -> Void
    ) throws {
        let queue = BlockQueue(capacity: threads + 1)
        let state = PassState()
        let pooling = self.pooling
        let targetCount = self.targetCount
        let firstDimension = columns?.lowerBound ?? 0
        let ordered = OrderedMerger<Result>(merge)

        let reader = Thread { [self] in
            do {
                try self.read(columns: columns, into: queue, state: state)
            } catch {
                state.fail(error)
            }
            queue.close()
        }
        reader.name = "scores-reader"
        reader.stackSize = 1 << 22
        let done = DispatchGroup()
        for index in 0..<threads {
            done.enter()
            let worker = Thread {
                defer { done.leave() }
                while let block = queue.pop() {
                    if state.failed { continue }
                    do {
                        let observations = try block.frames.values.withUnsafeBufferPointer {
                            try Observations.pooling(
                                frames: $0, dimensions: block.frames.width, offsets: block.frames.rowOffsets,
                                labels: block.labels, targetCount: targetCount, pooling: pooling,
                                include: block.include, firstDimension: firstDimension)
                        }
                        try ordered.submit(block.sequence, compute(observations))
                    } catch {
                        state.fail(error)
                    }
                }
            }
            worker.name = "scores-compute-\(index)"
            worker.stackSize = 1 << 22
            worker.start()
        }
        reader.start()
        done.wait()
        if let error = state.error { throw error }
    }

    private func read(columns: Range<Int>?, into queue: BlockQueue, state: PassState) throws {
        var sequence = 0
        let columnList = columns.map { Array($0) }
        for (index, url) in shards.enumerated() {
            let reader = try opened[url.lastPathComponent] ?? ShardReader(url: url)
            progress("reading \(url.lastPathComponent) (\(index + 1)/\(shards.count))")
            var start = 0
            while start < reader.utteranceCount && !state.failed {
                var end = start + 1
                let first = reader.offsets[start]
                while end < reader.utteranceCount && reader.offsets[end + 1] - first <= framesPerRead { end += 1 }
                let include = (start..<end).map { reader.splits[$0] == split }
                if include.contains(true) {
                    let frames = try reader.readFrames(utterances: start..<end, columns: columnList)
                    let labels = Array(reader.labels[(start * reader.targetCount)..<(end * reader.targetCount)])
                    queue.push(Block(sequence: sequence, frames: frames, labels: labels, include: include))
                    sequence += 1
                }
                start = end
            }
        }
    }
}

/// The first error of a pass.
final class PassState: @unchecked Sendable {
    private let lock = NSLock()
    private var firstError: Error?

    var failed: Bool { lock.withLock { firstError != nil } }
    var error: Error? { lock.withLock { firstError } }

    func fail(_ error: Error) {
        lock.withLock { if firstError == nil { firstError = error } }
    }
}

/// Merges per-block results in block order, whichever thread finishes first.
final class OrderedMerger<Result>: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = [Int: Result]()
    private var next = 0
    private let merge: (Result) throws -> Void

    init(_ merge: @escaping (Result) throws -> Void) { self.merge = merge }

    /// Holds `result` until every earlier block is merged, then merges all that are ready.
    func submit(_ sequence: Int, _ result: Result) throws {
        lock.lock()
        defer { lock.unlock() }
        pending[sequence] = result
        while let ready = pending.removeValue(forKey: next) {
            try merge(ready)
            next += 1
        }
    }
}

/// A bounded blocking queue of blocks between the reader and the compute threads.
final class BlockQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var items: [ScoresPass.Block] = []
    private var closed = false
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// Waits while the queue is full, then appends.
    func push(_ block: ScoresPass.Block) {
        condition.lock()
        while items.count >= capacity && !closed { condition.wait() }
        items.append(block)
        condition.broadcast()
        condition.unlock()
    }

    /// The next block, or nil once the queue is closed and empty.
    func pop() -> ScoresPass.Block? {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty && !closed { condition.wait() }
        if items.isEmpty { return nil }
        let block = items.removeFirst()
        condition.broadcast()
        return block
    }

    /// No more blocks will come.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }
}
