import Foundation
import Saliency
import Shards

/// Reading pooled train observations out of shards for the statistics tasks, in bounded blocks.
enum ShardRows {
    /// Frames per read: a block of utterances is read at once while it stays under this many frames
    /// (the same block size `salience scores` streams with).
    static let framesPerRead = 8192

    /// Calls `body` with the pooled train-split observations of utterances `range` of `reader`, restricted
    /// to `columns` (all when nil) and paired with the target columns `targetColumns`, one block at a time,
    /// in file order. Blocks without a train utterance are skipped.
    static func forEachTrainBlock(
        _ reader: ShardReader, range: Range<Int>, columns: Range<Int>?, targetColumns: [Int], pooling: Pooling,
        _ body: (Observations) throws -> Void
    ) throws {
        let columnList = columns.map { Array($0) }
        let allTargets = reader.targetCount
        var start = range.lowerBound
        while start < range.upperBound {
            var end = start + 1
            let first = reader.offsets[start]
            while end < range.upperBound && reader.offsets[end + 1] - first <= framesPerRead { end += 1 }
            let include = (start..<end).map { reader.splits[$0] == .train }
            if include.contains(true) {
                let frames = try reader.readFrames(utterances: start..<end, columns: columnList)
                var labels = [Float]()
                labels.reserveCapacity((end - start) * targetColumns.count)
                for utterance in start..<end {
                    for column in targetColumns { labels.append(reader.labels[utterance * allTargets + column]) }
                }
                let batch = try frames.values.withUnsafeBufferPointer {
                    try Observations.pooling(
                        frames: $0, dimensions: frames.width, offsets: frames.rowOffsets, labels: labels,
                        targetCount: targetColumns.count, pooling: pooling, include: include,
                        firstDimension: columns?.lowerBound ?? 0)
                }
                try body(batch)
            }
            start = end
        }
    }
}
