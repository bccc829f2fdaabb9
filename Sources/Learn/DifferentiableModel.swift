/// A model whose outputs can be differentiated with respect to its inputs: what Integrated Gradients
/// needs. Each output of a sequence depends only on that sequence's frames, so one backward pass of
/// Σ_b output[b, j] gives ∂output[b, j]/∂x[b, ·, ·] for every sequence of the batch at once.
import Numerics

public protocol DifferentiableModel: AnyObject {
    /// Channels per input frame.
    var inputWidth: Int { get }
    /// Outputs per sequence.
    var outputCount: Int { get }
    /// Evaluation-mode outputs `[batch, outputCount]` (raw: logits for binary targets).
    func predict(_ batch: FrameBatch<Float>) -> [Float]
    /// ∂output[b, j]/∂frames for every sequence `b` of `batch`, time-major `[steps, batch, inputWidth]`
    /// like `batch.frames`, zero at padded steps. One forward and one backward pass.
    func inputGradients(_ batch: FrameBatch<Float>, output j: Int) -> [Float]
    /// Outputs and the input gradients of every listed output, from one forward pass.
    func outputsAndInputGradients(_ batch: FrameBatch<Float>, outputs: [Int]) -> (
        outputs: [Float], gradients: [[Float]]
    )
}

extension SequenceDecoder: DifferentiableModel where S == Float {
    /// `config.inputWidth`.
    public var inputWidth: Int { config.inputWidth }
    /// `config.outputCount`.
    public var outputCount: Int { config.outputCount }

    /// Evaluation-mode forward pass.
    public func predict(_ batch: FrameBatch<Float>) -> [Float] {
        var unused = SeededGenerator(seed: 0)
        return forward(batch, training: false, generator: &unused)
    }

    /// One forward and one backward pass of Σ_b output[b, j].
    public func inputGradients(_ batch: FrameBatch<Float>, output j: Int) -> [Float] {
        outputsAndInputGradients(batch, outputs: [j]).gradients[0]
    }

    /// One forward pass, then one backward pass per listed output. Parameter gradients are left zero.
    public func outputsAndInputGradients(_ batch: FrameBatch<Float>, outputs: [Int]) -> (
        outputs: [Float], gradients: [[Float]]
    ) {
        let values = predict(batch)
        var gradients = [[Float]]()
        for j in outputs {
            var seed = [Float](repeating: 0, count: values.count)
            for b in 0..<batch.batchSize { seed[b * outputCount + j] = 1 }
            gradients.append(backward(seed, needInputGradient: true, parameterGradients: false))
        }
        zeroGradients()
        return (values, gradients)
    }
}
