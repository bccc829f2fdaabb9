import Foundation
import Shards

/// A decoder together with everything needed to use it on a dataset: the task, the target names, the
/// label-variance mode, and which of the dataset's D columns it reads (ascending). Its outputs are
/// activated: the sigmoid's probability for binary mean outputs, the raw value otherwise; spread outputs
/// (std-aux) follow the means.
public final class TrainedModel {
    /// The network (its standardisation included).
    public let decoder: SequenceDecoder<Float>
    /// Regression or binary.
    public let task: TaskKind
    /// Target names, in column order.
    public let targets: [String]
    /// Whether spread outputs follow the means.
    public let labelVariance: LabelVarianceMode
    /// The dataset columns the model reads, ascending; `count == decoder.config.inputWidth`.
    public let selection: [Int]
    /// The dataset's embedding width D the selection indexes into.
    public let datasetWidth: Int

    /// Wraps a decoder.
    public init(
        decoder: SequenceDecoder<Float>, task: TaskKind, targets: [String], labelVariance: LabelVarianceMode,
        selection: [Int], datasetWidth: Int
    ) {
        self.decoder = decoder
        self.task = task
        self.targets = targets
        self.labelVariance = labelVariance
        self.selection = selection
        self.datasetWidth = datasetWidth
    }

    /// Evaluation-mode activated outputs for a whole set, `[count, outputCount]`, in batches split over
    /// `threads` replicas (see `DataParallel`, which runs BLAS single-threaded).
    public func predict(
        _ set: UtteranceSet, batchSize: Int = TrainingDefaults.batchSize, threads: Int = TrainingDefaults.threads
    ) -> [Float] {
        let parallel = DataParallel(master: decoder, count: threads)
        var out = parallel.predict(set, batchSize: batchSize)
        activate(&out)
        return out
    }

    /// Applies the output activations in place to raw decoder outputs `[rows, outputCount]`.
    public func activate(_ raw: inout [Float]) {
        let o = outputCount
        for r in 0..<(raw.count / max(o, 1)) {
            for j in 0..<o where isSigmoid(j) { raw[r * o + j] = 1 / (1 + exp(-raw[r * o + j])) }
        }
    }

    /// Whether output `j` goes through the sigmoid (binary mean outputs).
    private func isSigmoid(_ j: Int) -> Bool { task == .binary && j < targets.count }
}

extension TrainedModel: DifferentiableModel {
    /// The number of selected columns.
    public var inputWidth: Int { decoder.config.inputWidth }
    /// T, or 2T with std-aux.
    public var outputCount: Int { decoder.config.outputCount }

    /// Activated evaluation-mode outputs `[batch, outputCount]`.
    public func predict(_ batch: FrameBatch<Float>) -> [Float] {
        var raw = decoder.predict(batch)
        activate(&raw)
        return raw
    }

    /// ∂(activated output j)/∂(raw frames).
    public func inputGradients(_ batch: FrameBatch<Float>, output j: Int) -> [Float] {
        outputsAndInputGradients(batch, outputs: [j]).gradients[0]
    }

    /// Activated outputs and, per listed output, ∂output/∂frames (chain rule through the sigmoid).
    public func outputsAndInputGradients(_ batch: FrameBatch<Float>, outputs: [Int]) -> (
        outputs: [Float], gradients: [[Float]]
    ) {
        let values = predict(batch)
        var gradients = [[Float]]()
        for j in outputs {
            var seed = [Float](repeating: 0, count: values.count)
            for b in 0..<batch.batchSize {
                let p = values[b * outputCount + j]
                seed[b * outputCount + j] = isSigmoid(j) ? p * (1 - p) : 1
            }
            gradients.append(decoder.backward(seed, needInputGradient: true))
        }
        decoder.zeroGradients()
        return (values, gradients)
    }
}
