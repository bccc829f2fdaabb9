/// The frames of a range of utterances, restricted to a set of columns: one contiguous row-major matrix
/// of `frameCount x width` floats, plus where each utterance's rows start.
public struct FrameBlock: Sendable {
    /// The utterances (indices in the shard) the block holds.
    public var utterances: Range<Int>
    /// The embedding columns held, in order (all columns `0..<D` when the read had no subset).
    public var columns: [Int]
    /// Row-major values: row r, column position c is `values[r * width + c]`.
    public var values: [Float]
    /// Utterance `utterances.lowerBound + k` owns rows `rowOffsets[k] ..< rowOffsets[k + 1]`;
    /// `rowOffsets[0] == 0` and `rowOffsets.last == frameCount`.
    public var rowOffsets: [Int]

    /// Creates a block; `rowOffsets` must have `utterances.count + 1` entries.
    public init(utterances: Range<Int>, columns: [Int], values: [Float], rowOffsets: [Int]) {
        self.utterances = utterances
        self.columns = columns
        self.values = values
        self.rowOffsets = rowOffsets
    }

    /// Number of columns per row.
    public var width: Int { columns.count }
    /// Number of frames (rows).
    public var frameCount: Int { rowOffsets.last ?? 0 }

    /// The rows of the k-th utterance of the block (0-based within the block).
    public func rows(ofUtterance k: Int) -> Range<Int> { rowOffsets[k]..<rowOffsets[k + 1] }

    /// The values of the k-th utterance of the block, row-major (`rows x width`).
    public func frames(ofUtterance k: Int) -> ArraySlice<Float> {
        values[(rowOffsets[k] * width)..<(rowOffsets[k + 1] * width)]
    }

    /// The mean frame of every utterance: `utterances.count x width`, row-major.
    public func meanPooled() -> [Float] {
        var pooled = [Float](repeating: 0, count: utterances.count * width)
        for k in 0..<utterances.count {
            let rows = self.rows(ofUtterance: k)
            guard !rows.isEmpty else { continue }
            for row in rows {
                for c in 0..<width { pooled[k * width + c] += values[row * width + c] }
            }
            let scale = 1 / Float(rows.count)
            for c in 0..<width { pooled[k * width + c] *= scale }
        }
        return pooled
    }
}
