import Foundation
import Shards

/// A decoder together with everything needed to use it on a dataset: the task, the target names, the
/// label-variance head, and which of the dataset's D columns it reads (ascending). Its outputs are reported
/// values (``LabelVarianceHead/report(_:)``): the sigmoid's probability for binary mean outputs, the raw value
/// otherwise, the `distribution` histogram's mean; spread outputs σ (std-aux, nll, distribution) follow the means.
public final class TrainedModel {
    /// The network (its standardisation included).
    public let decoder: SequenceDecoder<Float>
    /// Regression or binary.
    public let task: TaskKind
    /// Target names, in column order.
    public let targets: [String]
    /// How raw decoder outputs become reported ones (mode, nll's floor, distribution's bins).
    public let head: LabelVarianceHead
    /// The dataset columns the model reads, ascending; `count == decoder.config.inputWidth`.
    public let selection: [Int]
    /// The dataset's embedding width D the selection indexes into.
    public let datasetWidth: Int
    /// The layers of a layered dataset the selection's columns count across, side by side (nil: every layer,
    /// or a version-1 dataset). Stored in the model file, so `predict` and `attribute` read the same columns.
    public var datasetLayers: [Int]?

    /// The label-variance mode it was trained with.
    public var labelVariance: LabelVarianceMode { head.mode }

    /// How much of each layer the decoder's layer mix uses, softmax(w) in layer order; nil without a mix.
    public var layerWeights: [Double]? { decoder.layerWeights }

    /// Wraps a decoder trained with `head`.
    public init(
        decoder: SequenceDecoder<Float>, task: TaskKind, targets: [String], head: LabelVarianceHead,
        selection: [Int], datasetWidth: Int
    ) {
        self.decoder = decoder
        self.task = task
        self.targets = targets
        self.head = head
        self.selection = selection
        self.datasetWidth = datasetWidth
    }

    /// Wraps a decoder of a mode whose head has no fitted parameters (`off`, `std-aux`, `weighted`).
    public convenience init(
        decoder: SequenceDecoder<Float>, task: TaskKind, targets: [String], labelVariance: LabelVarianceMode,
        selection: [Int], datasetWidth: Int
    ) {
        self.init(
            decoder: decoder, task: task, targets: targets,
            head: LabelVarianceHead(mode: labelVariance, task: task, targets: targets.count), selection: selection,
            datasetWidth: datasetWidth)
    }

    /// Evaluation-mode reported outputs for a whole set, `[count, outputCount]`, in batches split over
    /// `threads` replicas (see `DataParallel`, which runs BLAS single-threaded).
    public func predict(
        _ set: UtteranceSet, batchSize: Int = TrainingDefaults.batchSize, threads: Int = TrainingDefaults.threads
    ) -> [Float] {
        let parallel = DataParallel(master: decoder, count: threads)
        return head.report(parallel.predict(set, batchSize: batchSize))
    }

    /// Reported outputs from raw decoder outputs `[rows, decoder outputs]`.
    public func activated(_ raw: [Float]) -> [Float] { head.report(raw) }
}

extension TrainedModel: DifferentiableModel {
    /// The number of selected columns.
    public var inputWidth: Int { decoder.config.inputWidth }
    /// The reported outputs: T, or 2T with a mode that predicts the spread.
    public var outputCount: Int { head.reportedOutputs }

    /// Reported evaluation-mode outputs `[batch, outputCount]`.
    public func predict(_ batch: FrameBatch<Float>) -> [Float] { head.report(decoder.predict(batch)) }

    /// ∂(reported output j)/∂(raw frames).
    public func inputGradients(_ batch: FrameBatch<Float>, output j: Int) -> [Float] {
        outputsAndInputGradients(batch, outputs: [j]).gradients[0]
    }

    /// Reported outputs and, per listed output, ∂output/∂frames (chain rule through the head).
    public func outputsAndInputGradients(_ batch: FrameBatch<Float>, outputs: [Int]) -> (
        outputs: [Float], gradients: [[Float]]
    ) {
        let raw = decoder.predict(batch)
        var gradients = [[Float]]()
        for j in outputs {
            gradients.append(
                decoder.backward(head.seed(raw, output: j), needInputGradient: true, parameterGradients: false))
        }
        decoder.zeroGradients()
        return (head.report(raw), gradients)
    }
}
