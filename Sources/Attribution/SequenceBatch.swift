/// A padded batch of variable-length sequences: `frames` holds `count` sequences of `maxLength` frames of
/// `width` floats each, row-major ([sequence][frame][dimension]); sequence i's frames at or after
/// `lengths[i]` are padding (zeros) and must not influence any output or gradient.
public struct SequenceBatch: Sendable {
    /// The frame values, `count * maxLength * width` floats.
    public var frames: [Float]
    /// Each sequence's number of valid frames (≥ 1, ≤ `maxLength`).
    public var lengths: [Int]
    /// The padded length every sequence is stored at.
    public var maxLength: Int
    /// Floats per frame.
    public var width: Int

    /// Wraps already-padded frames.
    public init(frames: [Float], lengths: [Int], maxLength: Int, width: Int) {
        self.frames = frames
        self.lengths = lengths
        self.maxLength = maxLength
        self.width = width
    }

    /// The number of sequences.
    public var count: Int { lengths.count }

    /// Whether frame `t` of sequence `i` is a real frame (not padding).
    public func isValid(sequence i: Int, frame t: Int) -> Bool { t < lengths[i] }
}
