import Foundation
import Shards

/// Reads the utterances of one split of a dataset's clean shards, restricted to a model's columns, in chunks.
enum AttributionInput {
    /// Utterances per chunk handed to the attribution pass: enough rows to keep both threads' batches full.
    static let chunkSize = 64

    /// Calls `body` with chunks of utterances (each T x columns floats, row-major) of `split`, shard after
    /// shard in catalog order, stopping after `limit` utterances.
    static func forEachChunk(
        catalog: DatasetCatalog, split: Split, columns: [Int], limit: Int, _ body: ([[Float]]) throws -> Void
    ) throws {
        var remaining = limit
        var chunk: [[Float]] = []
        for shard in catalog.shards(condition: ShardFormat.cleanCondition) where remaining > 0 {
            let reader = try ShardReader(url: catalog.url(of: shard))
            for range in contiguousRuns(reader.utterances(in: split)) where remaining > 0 {
                let clipped = range.lowerBound..<min(range.upperBound, range.lowerBound + remaining)
                var iterator = reader.utteranceIterator(over: clipped, columns: columns)
                while let utterance = try iterator.next() {
                    chunk.append(utterance.frames)
                    remaining -= 1
                    if chunk.count == chunkSize {
                        try body(chunk)
                        chunk = []
                    }
                }
            }
        }
        if !chunk.isEmpty { try body(chunk) }
    }

    /// Sorted indices grouped into maximal runs of consecutive values.
    static func contiguousRuns(_ indices: [Int]) -> [Range<Int>] {
        var runs: [Range<Int>] = []
        for index in indices {
            if let last = runs.last, last.upperBound == index {
                runs[runs.count - 1] = last.lowerBound..<index + 1
            } else {
                runs.append(index..<index + 1)
            }
        }
        return runs
    }
}
