import Learn

/// Learn's trained models are attributable as they are: their outputs are activated (the sigmoid's
/// probability for binary mean outputs), and their input gradients chain through the activation, so
/// Integrated Gradients explains exactly what the model predicts. One forward pass serves every output.
extension TrainedModel: AttributableModel {
    /// The activated outputs.
    public func outputs(for batch: FrameBatch<Float>) throws -> [Float] { predict(batch) }

    /// ∂(activated output j)/∂frames.
    public func inputGradients(for batch: FrameBatch<Float>, output j: Int) throws -> [Float] {
        inputGradients(batch, output: j)
    }

    /// One forward pass, one backward pass per output.
    public func inputGradients(for batch: FrameBatch<Float>, outputs: [Int]) throws -> [[Float]] {
        outputsAndInputGradients(batch, outputs: outputs).gradients
    }
}

/// A bare decoder is attributable on its raw outputs (logits for a binary decoder).
extension SequenceDecoder: AttributableModel where S == Float {
    /// The raw outputs.
    public func outputs(for batch: FrameBatch<Float>) throws -> [Float] { predict(batch) }

    /// ∂(raw output j)/∂frames.
    public func inputGradients(for batch: FrameBatch<Float>, output j: Int) throws -> [Float] {
        inputGradients(batch, output: j)
    }

    /// One forward pass, one backward pass per output.
    public func inputGradients(for batch: FrameBatch<Float>, outputs: [Int]) throws -> [[Float]] {
        outputsAndInputGradients(batch, outputs: outputs).gradients
    }
}
