import Foundation
import Saliency
import Shards

/// One streaming pass over shards: every utterance of a split, pooled into `Observations` batch by batch.
/// `salience scores`, the cluster's `scan.statistics` and `scan.ksg` tasks and `dataset read-bench` all read
/// through it, so they share its speed and its invariants.
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
public final class ShardPass {
    /// Frames a thread reads at a time by default (rounded to whole chunk rows). 1024 frames of D = 1024
    /// float32 is 4 MiB per thread: large enough that libhdf5's per-read cost vanishes, small enough that
    /// the buffers of every thread stay in the last-level cache's neighbourhood (ops/bench/README, session 4).
    public static let framesPerUnit = 1024

    let sources: [PassSource]
    /// Readers already open, by file name, each taken when the pass reaches its shard; the other shards are
    /// opened as the pass reaches them. Either way a shard's reader is let go when the pass moves on.
    let loan: ReaderLoan
    let split: Split
    let pooling: Pooling
    let targetColumns: [Int]?
    let threads: Int
    /// Frames per unit (rounded to whole chunk rows).
    let framesPerRead: Int
    let progress: (String) -> Void
    private let counted = ReadCounter()

    /// Decoded bytes of the frames this pass has read so far (only the columns asked for), over every `run`:
    /// what a task reports as read from the data root.
    public var bytesRead: Int { counted.total }

    /// A pass over `sources` in order. `targetColumns` picks the targets paired with each row (all when
    /// nil); `opened` lends readers the caller already has (by file name). The pass holds a lent reader only
    /// until it has read that shard (in its first `run`; a later run opens the shard again), so a caller that
    /// drops its own references gets each file closed as soon as it is read.
    public init(
        sources: [PassSource], opened: [String: ShardReader] = [:], split: Split, pooling: Pooling,
        targetColumns: [Int]? = nil, threads: Int, framesPerRead: Int = ShardPass.framesPerUnit,
        progress: @escaping (String) -> Void = { _ in }
    ) {
        self.sources = sources
        self.loan = ReaderLoan(opened)
        self.split = split
        self.pooling = pooling
        self.targetColumns = targetColumns
        self.threads = max(1, threads)
        self.framesPerRead = max(1, framesPerRead)
        self.progress = progress
    }

    /// Streams every utterance of the split, restricted to `columns` (all when nil), calling `compute` for
    /// each pooled batch (on the pass's threads) and `merge` (one at a time, in frame order) on its result.
    /// Pooled rows number their dimensions from the first column when `columns` is a contiguous ascending
    /// run, else from 0. Throws the error of the earliest unit that failed (read, check, compute or merge),
    /// after every thread has stopped.
    public func run<Result>(
        columns: [Int]? = nil, compute: @escaping (Observations) throws -> Result,
        merge: @escaping (Result) throws -> Void
    ) throws {
        let units = UnitDispenser(
            sources: sources, loan: loan, split: split, framesPerRead: framesPerRead, window: 2 * threads,
            progress: progress)
        let contiguous = columns.map { list in list.isEmpty || list == Array(list[0]..<(list[0] + list.count)) }
        let firstDimension = contiguous == true ? columns?.first ?? 0 : 0
        let cutter = UnitPooling(
            split: split, pooling: pooling, targetColumns: targetColumns, columns: columns,
            firstDimension: firstDimension)
        let merger = UnitMerger<Result>(
            cutter: cutter, compute: compute, merge: merge, merged: { units.merged(through: $0) })

        let counted = self.counted
        let done = DispatchGroup()
        for index in 0..<threads {
            done.enter()
            let worker = Thread {
                defer { done.leave() }
                var buffer: [Float] = []
                while let unit = units.next() {
                    do {
                        let width = columns?.count ?? unit.reader.dimension
                        if buffer.count < unit.rows.count * width {
                            buffer = [Float](repeating: 0, count: unit.rows.count * width)
                        }
                        let result = try buffer.withUnsafeMutableBufferPointer { whole in
                            let frames = UnsafeMutableBufferPointer(rebasing: whole[0..<(unit.rows.count * width)])
                            try unit.reader.readFrameRows(
                                unit.rows, columns: columns, into: frames, decodingThreads: 1)
                            counted.add(frames.count * MemoryLayout<Float>.stride)
                            return try cutter.cut(unit, frames: UnsafeBufferPointer(frames), compute: compute)
                        }
                        merger.submit(unit.sequence, .success(result))
                    } catch {
                        merger.submit(unit.sequence, .failure(error))
                    }
                    if let failed = merger.failedSequence { units.stop(after: failed) }
                }
            }
            worker.name = "shard-pass-\(index)"
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

/// One shard of a pass, whole or a range of its utterances (a cluster task's share).
public struct PassSource: Sendable {
    /// The shard file.
    public var url: URL
    /// The utterances to read (indices in the shard); all when nil.
    public var utterances: Range<Int>?
    /// The layers of a layered shard to read, side by side (nil: every layer).
    public var layers: [Int]?

    /// A shard, whole or `utterances` of it, every layer or only `layers`.
    public init(url: URL, utterances: Range<Int>? = nil, layers: [Int]? = nil) {
        self.url = url
        self.utterances = utterances
        self.layers = layers
    }
}

/// Bytes read by a pass's threads, summed under a lock (once per unit: a few per second per thread).
private final class ReadCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes = 0

    func add(_ count: Int) { lock.withLock { bytes += count } }

    var total: Int { lock.withLock { bytes } }
}
