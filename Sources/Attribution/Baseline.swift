/// The reference input Integrated Gradients integrates from: every frame of the baseline sequence is the
/// same vector, and the baseline sequence has the utterance's length.
public enum Baseline: Sendable, Equatable {
    /// All zeros (methods.md's default, Captum's `baselines=0`).
    case zero
    /// One frame vector of the model's input width, repeated over the utterance's frames.
    case vector([Float])

    /// The frame vector for a model of `width` inputs.
    /// - Throws: `AttributionError.baselineWidth` when a given vector has another length.
    public func frame(width: Int) throws -> [Float] {
        switch self {
        case .zero:
            return [Float](repeating: 0, count: width)
        case .vector(let values):
            guard values.count == width else {
                throw AttributionError.baselineWidth(expected: width, actual: values.count)
            }
            return values
        }
    }
}
