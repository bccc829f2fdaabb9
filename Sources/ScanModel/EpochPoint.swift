/// One epoch of a model's training run, as the training job recorded it: enough to draw its learning curve
/// and to see whether it had converged. Timings are left out on purpose (they differ from run to run, and
/// `seconds_to_best` and `seconds_total` already say how long training took).
public struct EpochPoint: Codable, Equatable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's batches (the spec's loss, plus λ times the spread head's in
    /// `std-aux` mode).
    public var trainLoss: Double
    /// The dev metric early stopping watched: the primary metric (CCC, or ROC AUC for a binary task), mean
    /// over targets.
    public var devMetric: Double
    /// The learning rate used in this epoch (Adam's, halved on plateaus).
    public var learningRate: Double

    /// Creates one epoch's record.
    public init(epoch: Int, trainLoss: Double, devMetric: Double, learningRate: Double) {
        self.epoch = epoch
        self.trainLoss = trainLoss
        self.devMetric = devMetric
        self.learningRate = learningRate
    }
}
