import Learn
import Numerics

/// Learn's decoders start with an affine front (standardisation, layer mix, convolution or projection)
/// followed by a ReLU or the GRU, so Integrated Gradients can interpolate at the front's output.
extension TrainedModel: AffineFrontModel {
    /// The decoder's front width (convolution channels or projection units).
    public var frontWidth: Int { decoder.config.frontWidth }

    /// The decoder's front output before its activation.
    public func front(of batch: FrameBatch<Float>) throws -> [Float] { decoder.frontOutput(batch).frames }

    /// Activated outputs and their gradients at the front, chained through the head as `inputGradients` does.
    public func outputsAndFrontGradients(front: FrameBatch<Float>, outputs: [Int]) throws -> (
        outputs: [Float], gradients: [[Float]]
    ) {
        var unused = SeededGenerator(seed: 0)
        let raw = decoder.forward(fromFront: front, training: false, generator: &unused)
        let gradients = outputs.map { j in decoder.frontGradient(head.seed(raw, output: j)) }
        return (head.report(raw), gradients)
    }

    /// The decoder's front Jacobian, transposed.
    public func inputGradient(fromFront gradient: FrameBatch<Float>) throws -> [Float] {
        decoder.inputGradient(fromFront: gradient.frames, lengths: gradient.lengths, steps: gradient.steps)
    }
}

/// A bare decoder, on its raw outputs.
extension SequenceDecoder: AffineFrontModel where S == Float {
    /// `config.frontWidth`.
    public var frontWidth: Int { config.frontWidth }

    /// The front output before its activation.
    public func front(of batch: FrameBatch<Float>) throws -> [Float] { frontOutput(batch).frames }

    /// Raw outputs and ∂(raw output j)/∂front.
    public func outputsAndFrontGradients(front: FrameBatch<Float>, outputs: [Int]) throws -> (
        outputs: [Float], gradients: [[Float]]
    ) {
        var unused = SeededGenerator(seed: 0)
        let raw = forward(fromFront: front, training: false, generator: &unused)
        let count = config.outputCount
        let gradients = outputs.map { j in
            var seed = [Float](repeating: 0, count: raw.count)
            for b in 0..<front.batchSize { seed[b * count + j] = 1 }
            return frontGradient(seed)
        }
        return (raw, gradients)
    }

    /// The front Jacobian, transposed.
    public func inputGradient(fromFront gradient: FrameBatch<Float>) throws -> [Float] {
        inputGradient(fromFront: gradient.frames, lengths: gradient.lengths, steps: gradient.steps)
    }
}
