/// A batch of variable-length sequences, time-major: `frames[(t * batchSize + b) * width + c]` is
/// channel `c` of step `t` of sequence `b`. Steps at or past `lengths[b]` are padding (zero here) and
/// never influence anything computed from the batch.
public struct FrameBatch<S: BLASScalar> {
    /// The frames, `steps * batchSize * width` scalars.
    public var frames: [S]
    /// The number of valid steps of each sequence, each in `1...steps`.
    public let lengths: [Int]
    /// The longest sequence's length.
    public let steps: Int
    /// The number of sequences.
    public var batchSize: Int { lengths.count }
    /// The channels per frame.
    public let width: Int

    /// Wraps time-major `frames`; the caller guarantees `frames.count == steps * lengths.count * width`.
    public init(frames: [S], lengths: [Int], width: Int) {
        self.frames = frames
        self.lengths = lengths
        self.steps = lengths.max() ?? 0
        self.width = width
    }

    /// Packs sequences given as row-major `[length, width]` arrays, zero-padding to the longest.
    public init(sequences: [[S]], width: Int) {
        let lengths = sequences.map { $0.count / width }
        let steps = lengths.max() ?? 0
        var frames = S.zeros(steps * sequences.count * width)
        for (b, sequence) in sequences.enumerated() {
            for t in 0..<lengths[b] {
                for c in 0..<width { frames[(t * sequences.count + b) * width + c] = sequence[t * width + c] }
            }
        }
        self.init(frames: frames, lengths: lengths, width: width)
    }

    /// Whether step `t` of sequence `b` is a real frame (not padding).
    public func isValid(step t: Int, sequence b: Int) -> Bool { t < lengths[b] }

    /// The per-step validity flags of step `t`, one byte per sequence.
    func validity(step t: Int) -> [UInt8] { lengths.map { t < $0 ? 1 : 0 } }
}
