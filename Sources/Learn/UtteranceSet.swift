import Foundation
import Shards

/// Utterances already restricted to the selected columns: the training loop's input. Frames are row-major
/// `[frames, width]`, utterance `i` owning rows `offsets[i] ..< offsets[i + 1]` — in memory (`frames`), or,
/// beyond the memory budget, in a local ``FrameFile`` (`store`), utterance `i` at the file's rows from
/// `storeRows[i]`. Labels, spreads and ids are always in memory (they are small); batches are cut the same
/// way from either, so training and evaluation give the same numbers from both.
///
/// Frames read from float16 shards are kept in memory as float16 (`halfFrames`), half the bytes, and widened
/// to Float only a batch or a block at a time: widening is exact, so every number computed from the set is the
/// one a float32 copy would give, without holding that copy.
public struct UtteranceSet: Sendable {
    /// Channels per frame (the number of selected columns).
    public var width: Int
    /// All frames, utterance after utterance (empty when `store` or `halfFrames` holds them).
    public var frames: [Float]
    /// All frames as float16, when the set was filled from float16 shards (nil otherwise; then `frames` is
    /// empty).
    public var halfFrames: [Float16]?
    /// The file holding the frames, when they are not in memory.
    public var store: FrameFile?
    /// With a store: the file row where each utterance's frames start.
    public var storeRows: [Int] = []
    /// In memory, for a view sharing another set's frames (see ``view(_:)``): the row of `frames` (or
    /// `halfFrames`) where each utterance's frames start; nil when utterance `i` starts at `offsets[i]`.
    public var frameStarts: [Int]?
    /// `count + 1` row offsets into `frames`.
    public var offsets: [Int]
    /// Consensus labels `[count, targetCount]`.
    public var labels: [Float]
    /// Per-utterance rater spread `[count, targetCount]` (population std of the ratings, or `label_std`),
    /// nil when the dataset has neither.
    public var spreads: [Float]?
    /// Individual ratings `[count, raterCount, targetCount]` (NaN = not rated), nil when the dataset has none;
    /// the `distribution` label-variance mode trains on their histogram.
    public var ratings: [Float]?
    /// Raters per utterance in `ratings` (0 without).
    public var raterCount: Int
    /// Utterance ids (to match distorted conditions with clean utterances).
    public var ids: [String]
    /// Targets per utterance.
    public var targetCount: Int

    /// Creates a set; the caller guarantees consistent sizes (`Shards` validates files before this).
    public init(
        width: Int, frames: [Float], offsets: [Int], labels: [Float], spreads: [Float]?, ids: [String],
        targetCount: Int, ratings: [Float]? = nil, raterCount: Int = 0
    ) {
        self.width = width
        self.frames = frames
        self.offsets = offsets
        self.labels = labels
        self.spreads = spreads
        self.ratings = ratings
        self.raterCount = ratings == nil ? 0 : raterCount
        self.ids = ids
        self.targetCount = targetCount
    }

    /// The number of utterances.
    public var count: Int { max(offsets.count - 1, 0) }

    /// Utterance `i`'s number of frames.
    public func length(_ i: Int) -> Int { offsets[i + 1] - offsets[i] }

    /// Whether the frames are in a file rather than in memory.
    public var isStored: Bool { store != nil }

    /// In memory, the row of `frames` (or `halfFrames`) where utterance `i`'s frames start.
    func frameStart(_ i: Int) -> Int { frameStarts?[i] ?? offsets[i] }

    /// The utterances at `indices`, in that order, sharing this set's frames instead of copying them (a file
    /// store's rows, or the in-memory arrays): what ``subset(_:)`` gives, for the price of the labels.
    public func view(_ indices: [Int]) -> UtteranceSet {
        if isStored { return subset(indices) }
        var out = UtteranceSet(
            width: width, frames: [], offsets: [0], labels: [], spreads: spreads == nil ? nil : [], ids: [],
            targetCount: targetCount, ratings: ratings == nil ? nil : [], raterCount: raterCount)
        out.frames = frames
        out.halfFrames = halfFrames
        out.frameStarts = indices.map(frameStart)
        for i in indices {
            out.offsets.append(out.offsets[out.offsets.count - 1] + length(i))
            out.labels.append(contentsOf: labels[(i * targetCount)..<((i + 1) * targetCount)])
            if let s = spreads { out.spreads?.append(contentsOf: s[(i * targetCount)..<((i + 1) * targetCount)]) }
            if let r = ratings { out.ratings?.append(contentsOf: r[(i * ratingStride)..<((i + 1) * ratingStride)]) }
            out.ids.append(ids[i])
        }
        return out
    }

    /// The utterances at `indices`, in that order.
    public func subset(_ indices: [Int]) -> UtteranceSet {
        if let store {
            var view = UtteranceSet(
                width: width, frames: [], offsets: [0], labels: [], spreads: spreads == nil ? nil : [], ids: [],
                targetCount: targetCount, ratings: ratings == nil ? nil : [], raterCount: raterCount)
            view.store = store
            for i in indices {
                view.offsets.append(view.offsets[view.offsets.count - 1] + length(i))
                view.storeRows.append(storeRows[i])
                view.labels.append(contentsOf: labels[(i * targetCount)..<((i + 1) * targetCount)])
                if let s = spreads { view.spreads?.append(contentsOf: s[(i * targetCount)..<((i + 1) * targetCount)]) }
                if let r = ratings {
                    view.ratings?.append(contentsOf: r[(i * ratingStride)..<((i + 1) * ratingStride)])
                }
                view.ids.append(ids[i])
            }
            return view
        }
        var frames = [Float]()
        var half: [Float16]? = halfFrames == nil ? nil : []
        var offsets = [0]
        var labels = [Float]()
        var spreads: [Float]? = self.spreads == nil ? nil : []
        var ratings: [Float]? = self.ratings == nil ? nil : []
        var ids = [String]()
        for i in indices {
            let rows = (frameStart(i) * width)..<((frameStart(i) + length(i)) * width)
            if let source = halfFrames {
                half!.append(contentsOf: source[rows])
            } else {
                frames.append(contentsOf: self.frames[rows])
            }
            offsets.append(offsets[offsets.count - 1] + length(i))
            labels.append(contentsOf: self.labels[(i * targetCount)..<((i + 1) * targetCount)])
            if let s = self.spreads { spreads?.append(contentsOf: s[(i * targetCount)..<((i + 1) * targetCount)]) }
            if let r = self.ratings { ratings?.append(contentsOf: r[(i * ratingStride)..<((i + 1) * ratingStride)]) }
            ids.append(self.ids[i])
        }
        var out = UtteranceSet(
            width: width, frames: frames, offsets: offsets, labels: labels, spreads: spreads, ids: ids,
            targetCount: targetCount, ratings: ratings, raterCount: raterCount)
        out.halfFrames = half
        return out
    }

    /// Ratings per utterance (`raterCount × targetCount`).
    var ratingStride: Int { raterCount * targetCount }

    /// The utterances at `indices` as a time-major padded batch.
    public func batch(_ indices: [Int]) -> FrameBatch<Float> {
        let lengths = indices.map { length($0) }
        let steps = lengths.max() ?? 0
        let b = indices.count
        var out = [Float](repeating: 0, count: steps * b * width)
        if store != nil || halfFrames != nil {
            // Each utterance read (or widened) into one buffer, then laid out time-major.
            var rows = [Float](repeating: 0, count: steps * width)
            out.withUnsafeMutableBufferPointer { dst in
                rows.withUnsafeMutableBufferPointer { utterance in
                    for (slot, i) in indices.enumerated() {
                        copyFrames(of: i, into: utterance.baseAddress!)
                        for t in 0..<lengths[slot] {
                            (dst.baseAddress! + (t * b + slot) * width).update(
                                from: utterance.baseAddress! + t * width, count: width)
                        }
                    }
                }
            }
            return FrameBatch(frames: out, lengths: lengths, width: width)
        }
        frames.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for (slot, i) in indices.enumerated() {
                    for t in 0..<lengths[slot] {
                        (dst.baseAddress! + (t * b + slot) * width).update(
                            from: src.baseAddress! + (frameStart(i) + t) * width, count: width)
                    }
                }
            }
        }
        return FrameBatch(frames: out, lengths: lengths, width: width)
    }

    /// Every float16 bit pattern's Float value (256 KiB): widening by table lookup runs at ~0.65 ns a value
    /// on the reference VM, where Swift's `Float(Float16)` (a compiler-rt call per value unless the build
    /// targets F16C) takes ~2.9 ns even eight at a time.
    static let widened: [Float] = (0...Int(UInt16.max)).map { Float(Float16(bitPattern: UInt16($0))) }

    /// Widens `count` float16 values to Float (exact).
    static func widen(_ source: UnsafePointer<Float16>, into target: UnsafeMutablePointer<Float>, count: Int) {
        let bits = UnsafeRawPointer(source).assumingMemoryBound(to: UInt16.self)
        widened.withUnsafeBufferPointer { table in
            for i in 0..<count { target[i] = table[Int(bits[i])] }
        }
    }

    /// Population standard deviation of each utterance's available ratings per target (NaN = not rated;
    /// 0 with fewer than two raters), from `ratings` `[count, raters, targets]`.
    public static func raterSpread(ratings: [Float], count: Int, raters: Int, targets: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count * targets)
        for u in 0..<count {
            for t in 0..<targets {
                var values = [Double]()
                for r in 0..<raters {
                    let v = ratings[(u * raters + r) * targets + t]
                    if !v.isNaN { values.append(Double(v)) }
                }
                guard values.count > 1 else { continue }
                let mean = values.reduce(0, +) / Double(values.count)
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
                out[u * targets + t] = Float(variance.squareRoot())
            }
        }
        return out
    }
}

extension UtteranceSet {
    /// The same utterances with only the target columns `columns` (labels and spreads).
    public func restrictedTargets(_ columns: [Int]) -> UtteranceSet {
        if columns == Array(0..<targetCount) { return self }
        func pick(_ values: [Float]) -> [Float] {
            var out = [Float]()
            out.reserveCapacity(count * columns.count)
            for row in 0..<count { for column in columns { out.append(values[row * targetCount + column]) } }
            return out
        }
        var pickedRatings: [Float]?
        if let ratings {
            var out = [Float]()
            out.reserveCapacity(count * raterCount * columns.count)
            for row in 0..<(count * raterCount) {
                for column in columns { out.append(ratings[row * targetCount + column]) }
            }
            pickedRatings = out
        }
        var out = UtteranceSet(
            width: width, frames: frames, offsets: offsets, labels: pick(labels), spreads: spreads.map(pick), ids: ids,
            targetCount: columns.count, ratings: pickedRatings, raterCount: raterCount)
        out.store = store
        out.storeRows = storeRows
        out.halfFrames = halfFrames
        out.frameStarts = frameStarts
        return out
    }

    /// Calls `body` with the frames of every utterance in order, as row-major blocks of whole utterances of
    /// at most about `rowsPerBlock` rows (one utterance may exceed it), read from the store when there is one
    /// and widened from float16 a block at a time when the set holds float16 (in memory, float32 frames are
    /// passed in one block).
    public func forEachFrameBlock(rowsPerBlock: Int = 16_384, _ body: (UnsafeBufferPointer<Float>) throws -> Void)
        rethrows
    {
        if store == nil && halfFrames == nil && frameStarts == nil {
            try frames.withUnsafeBufferPointer { try body($0) }
            return
        }
        var buffer = [Float]()
        for range in UtteranceBlocks.ranges(offsets: offsets, rowsPerBlock: rowsPerBlock) {
            let rows = offsets[range.upperBound] - offsets[range.lowerBound]
            if buffer.count < rows * width { buffer = [Float](repeating: 0, count: rows * width) }
            try buffer.withUnsafeMutableBufferPointer { block in
                var filled = 0
                for i in range {
                    copyFrames(of: i, into: block.baseAddress! + filled)
                    filled += length(i) * width
                }
                try body(UnsafeBufferPointer(rebasing: block[0..<filled]))
            }
        }
    }

    /// Copies utterance `i`'s frames (row-major, `length(i) x width`) to `target`, from wherever they are: the
    /// file store, float16 in memory (widened), or float32 in memory.
    func copyFrames(of i: Int, into target: UnsafeMutablePointer<Float>) {
        let count = length(i) * width
        if let store {
            store.read(rows: storeRows[i]..<(storeRows[i] + length(i)), into: target)
        } else if let halfFrames {
            halfFrames.withUnsafeBufferPointer {
                Self.widen($0.baseAddress! + frameStart(i) * width, into: target, count: count)
            }
        } else {
            frames.withUnsafeBufferPointer {
                target.update(from: $0.baseAddress! + frameStart(i) * width, count: count)
            }
        }
    }

    /// The same utterances with every frame mapped by `transform` (row-major `rows x width` in, `rows x
    /// newWidth` out), block by block; into a new store in `directory` when this set has one, else in memory.
    public func mappingFrames(
        toWidth newWidth: Int, storeIn directory: URL?,
        _ transform: (_ frames: [Float], _ rows: Int) throws -> [Float]
    ) throws -> UtteranceSet {
        var out = self
        out.width = newWidth
        if (halfFrames != nil || frameStarts != nil) && !isStored {
            // Mapped block by block, so the float16 frames are never widened all at once (and a view's
            // utterances are gathered from the frames it shares).
            out.halfFrames = nil
            out.frameStarts = nil
            out.frames = []
            out.frames.reserveCapacity(offsets[count] * newWidth)
            try forEachFrameBlock { block in
                out.frames.append(contentsOf: try transform(Array(block), block.count / max(1, width)))
            }
            return out
        }
        guard isStored, let directory else {
            out.frames = try transform(frames, frames.count / max(1, width))
            return out
        }
        let file = try FrameFile(width: newWidth, directory: directory)
        try forEachFrameBlock { block in
            let mapped = try transform(Array(block), block.count / max(1, width))
            try mapped.withUnsafeBufferPointer { _ = try file.append($0) }
        }
        out.store = file
        out.storeRows = Array(offsets.dropLast())
        return out
    }
}
