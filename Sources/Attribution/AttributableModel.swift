import Learn

/// What Integrated Gradients needs from a model: its outputs, and the gradient of one output with respect to
/// every input value, for a padded batch of sequences.
///
/// Outputs are the values being explained: for a binary decoder, the probability after the sigmoid; for a
/// regression decoder, the prediction. Implementations may keep per-call scratch state, so one instance is
/// not required to be safe to call from several threads at once.
public protocol AttributableModel {
    /// Floats per input frame (the embedding width D the model was trained on).
    var inputWidth: Int { get }
    /// The number of outputs.
    var outputCount: Int { get }

    /// The outputs for every sequence of the batch: `batch.batchSize * outputCount` floats,
    /// [sequence][output].
    func outputs(for batch: FrameBatch<Float>) throws -> [Float]

    /// ∂ output_j / ∂ frames for every sequence of the batch (each sequence's output depends only on its own
    /// frames): `batch.frames.count` floats in the batch's layout; zero on padding.
    func inputGradients(for batch: FrameBatch<Float>, output j: Int) throws -> [Float]

    /// The input gradients of several outputs for one batch, in the order of `outputs`. A model can
    /// override this to reuse one forward pass for every output; the default calls
    /// `inputGradients(for:output:)` once per output.
    func inputGradients(for batch: FrameBatch<Float>, outputs: [Int]) throws -> [[Float]]
}

extension AttributableModel {
    /// One `inputGradients(for:output:)` call per output.
    public func inputGradients(for batch: FrameBatch<Float>, outputs: [Int]) throws -> [[Float]] {
        try outputs.map { try inputGradients(for: batch, output: $0) }
    }
}
