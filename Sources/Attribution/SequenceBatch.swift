/// A padded batch of variable-length sequences, time-major like Learn's batches:
/// `frames[(t * batchSize + b) * width + c]` is channel c of step t of sequence b. Steps at or past
/// `lengths[b]` are padding (zeros) and must not influence any output or gradient.
public struct SequenceBatch: Sendable {
    /// The frame values, `steps * batchSize * width` floats.
    public var frames: [Float]
    /// Each sequence's number of valid steps (1...steps).
    public let lengths: [Int]
    /// The longest sequence's length.
    public let steps: Int
    /// Floats per frame.
    public let width: Int

    /// Wraps time-major `frames`; the caller guarantees `frames.count == steps * lengths.count * width`.
    public init(frames: [Float], lengths: [Int], width: Int) {
        self.frames = frames
        self.lengths = lengths
        self.steps = lengths.max() ?? 0
        self.width = width
    }

    /// The number of sequences.
    public var batchSize: Int { lengths.count }
}
