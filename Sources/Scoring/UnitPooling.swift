import Foundation
import Numerics
import Saliency
import Shards

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
    /// Its labels (one per target of the pass).
    var labels: [Float]
    var targetCount: Int
    /// The utterance's bootstrap key (`PoissonBootstrap.key(of:)` of its id).
    var key: UInt64

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
    /// The targets paired with each row, by column of `labels`; all when nil.
    let targetColumns: [Int]?
    let columns: [Int]?
    let firstDimension: Int

    /// The labels of `utterance`, restricted to the target columns.
    func labels(of reader: ShardReader, utterance: Int) -> [Float] {
        let all = reader.labels(ofUtterance: utterance)
        guard let targetColumns else { return Array(all) }
        return targetColumns.map { all[all.startIndex + $0] }
    }

    func targetCount(of reader: ShardReader) -> Int { targetColumns?.count ?? reader.targetCount }

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
        var keys: [UInt64] = []
        var utterance = low
        while utterance < reader.utteranceCount && offsets[utterance] < rows.upperBound {
            let start = max(offsets[utterance], rows.lowerBound)
            let end = min(offsets[utterance + 1], rows.upperBound)
            let wanted = reader.splits[utterance] == split
            let whole = offsets[utterance] >= rows.lowerBound && offsets[utterance + 1] <= rows.upperBound
            let ownLabels = self.labels(of: reader, utterance: utterance)
            let key = PoissonBootstrap.key(of: reader.ids[utterance])
            if pooling == .utterance && !whole {
                if wanted {
                    let values = frames[((start - rows.lowerBound) * width)..<((end - rows.lowerBound) * width)]
                    let piece = UtterancePiece(
                        reader: ObjectIdentifier(reader), utterance: utterance, rows: start..<end,
                        frames: Array(values), width: width, begins: offsets[utterance] >= rows.lowerBound,
                        ends: offsets[utterance + 1] <= rows.upperBound, labels: ownLabels,
                        targetCount: targetCount(of: reader), key: key)
                    if start == rows.lowerBound { yield.leading = piece } else { yield.trailing = piece }
                }
            } else {
                if boundaries.isEmpty { boundaries.append(start) }
                boundaries.append(end)
                include.append(wanted)
                labels.append(contentsOf: ownLabels)
                keys.append(key)
            }
            utterance += 1
        }
        if include.contains(true) {
            let first = boundaries[0] - rows.lowerBound
            let last = boundaries[boundaries.count - 1] - rows.lowerBound
            let observations = try Observations.pooling(
                frames: UnsafeBufferPointer(rebasing: frames[(first * width)..<(last * width)]), dimensions: width,
                offsets: boundaries, labels: labels, targetCount: targetCount(of: reader), pooling: pooling,
                include: include, firstDimension: firstDimension, keys: keys)
            yield.inner = try compute(observations)
        }
        return yield
    }

    /// Pools an utterance whose frames came in pieces from several units.
    func pool(_ piece: UtterancePiece) throws -> Observations {
        try piece.frames.withUnsafeBufferPointer {
            try Observations.pooling(
                frames: $0, dimensions: piece.width, offsets: [0, piece.rows.count], labels: piece.labels,
                targetCount: piece.targetCount, pooling: .utterance, firstDimension: firstDimension, keys: [piece.key])
        }
    }
}
