import Learn

/// A model whose first stage is affine in its input frames (standardisation, a layer mix, a convolution or
/// projection) and whose nonlinearity starts after it. Integrated Gradients runs such a model's front once per
/// utterance instead of once per interpolation point: with A affine, A(b + α(x − b)) = A(b) + α(A(x) − A(b)),
/// and the input gradient at every point is Aᵀ applied to the gradient at the front, so the weighted sum over
/// the points needs Aᵀ once. For a decoder whose front is a 1024-wide convolution that is most of the
/// arithmetic of a step (`IntegratedGradients+Front`).
public protocol AffineFrontModel: AttributableModel {
    /// Floats per frame at the front's output.
    var frontWidth: Int { get }

    /// A(frames): the front's output for a padded batch, `[steps, batch, frontWidth]`.
    func front(of batch: FrameBatch<Float>) throws -> [Float]

    /// The outputs (as `outputs(for:)` gives them) for a padded batch of front outputs, and per listed output
    /// ∂output/∂front in the batch's layout (zero on padding); one forward pass for every output.
    func outputsAndFrontGradients(front: FrameBatch<Float>, outputs: [Int]) throws -> (
        outputs: [Float], gradients: [[Float]]
    )

    /// Aᵀ g: ∂/∂frames from a gradient at the front's output, for a padded batch of sequences of `lengths`,
    /// `[steps, batch, inputWidth]`, zero on padding. The same linear map at every input.
    func inputGradient(fromFront gradient: FrameBatch<Float>) throws -> [Float]
}
