import Foundation
import Shards

/// Defaults of the training loop, from ../shared/docs/methods.md ("Decoders" → "Training").
public enum TrainingDefaults {
    /// Bytes of frames a training job keeps in memory by default: a quarter of the machine's RAM, so that
    /// the frames, the model's activations, a second worker and the page cache of the frame file all fit.
    /// Above it the selected frames go to a local ``FrameFile``.
    public static func memoryBudget(physicalMemory: UInt64 = ProcessInfo.processInfo.physicalMemory) -> Int {
        Int(clamping: physicalMemory / 4)
    }

    /// Adam's learning rate.
    public static let learningRate = 1e-3
    /// Utterances per mini-batch.
    public static let batchSize = 64
    /// Most epochs.
    public static let maxEpochs = 50
    /// Epochs without a better dev metric before stopping.
    public static let earlyStoppingPatience = 5
    /// Epochs without a better dev metric before halving the learning rate.
    public static let plateauPatience = 2
    /// The learning rate is never halved below this.
    public static let minimumLearningRate = 1e-5
    /// λ, the weight of the spread loss in std-aux.
    public static let spreadWeight = 1.0
    /// Batches per length bucket: a shuffled epoch is cut into chunks of this many batches, each sorted by
    /// length, to limit padding while keeping batches random (ours).
    public static let batchesPerBucket = 16
    /// Data-parallel replicas (threads, each with single-threaded BLAS): both cores of the reference machine.
    public static let threads = 2
}

/// The settings of one training run (recorded with its results).
public struct TrainingConfig: Codable, Equatable, Sendable {
    /// The seed of initialisation, shuffling and dropout.
    public var seed: UInt64 = 1
    /// Most epochs.
    public var maxEpochs = TrainingDefaults.maxEpochs
    /// Utterances per batch.
    public var batchSize = TrainingDefaults.batchSize
    /// Adam's initial learning rate.
    public var learningRate = TrainingDefaults.learningRate
    /// Early-stopping patience in epochs.
    public var earlyStoppingPatience = TrainingDefaults.earlyStoppingPatience
    /// Plateau patience in epochs before halving the learning rate.
    public var plateauPatience = TrainingDefaults.plateauPatience
    /// The learning-rate floor.
    public var minimumLearningRate = TrainingDefaults.minimumLearningRate
    /// Label-variance mode.
    public var labelVariance: LabelVarianceMode = .off
    /// λ.
    public var spreadWeight = TrainingDefaults.spreadWeight
    /// The loss on mean outputs; nil picks the task's default (CCC for regression, BCE for binary).
    public var loss: LossKind? = nil
    /// Batches per length bucket.
    public var batchesPerBucket = TrainingDefaults.batchesPerBucket
    /// Data-parallel replicas; a run is reproducible bit for bit for a fixed count.
    public var threads = TrainingDefaults.threads
    /// L: train with a learned softmax mix of L equal-width layers (SUPERB's weighted sum), the selected
    /// columns, ascending, being the L layers' blocks in layer order; nil (the default) for no mix. Optional
    /// so that settings recorded before it existed decode, and encode without the key when unset.
    public var layerMix: Int? = nil

    /// The defaults.
    public init() {}

    /// The loss on mean outputs for `task`.
    public func meanLoss(for task: TaskKind) -> LossKind { loss ?? (task == .binary ? .bce : .ccc) }
}
