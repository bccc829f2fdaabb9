import Foundation
import Shards

/// The loss the trainer minimises for one label-variance mode, over a batch of the training set: the column
/// loss of `off` and `std-aux` (as before the other modes, bit for bit), the per-utterance weighted column loss
/// of `weighted`, ``GaussianNLL`` for `nll` and ``RatingDistribution`` for `distribution`. What each needs of
/// the training set (spreads, target histograms) is prepared once here, not per batch.
struct TrainingObjective {
    let mode: LabelVarianceMode
    let head: LabelVarianceHead
    let loss: Loss
    let train: UtteranceSet
    /// `distribution`: target histograms of the train set `[count, T·K]`.
    let histograms: [Double]
    /// `weighted`: 1 / (1 + s²) per train utterance and target `[count, T]`.
    let weights: [Double]

    init(head: LabelVarianceHead, meanLoss: LossKind, spreadWeight: Double, train: UtteranceSet) {
        mode = head.mode
        self.head = head
        self.train = train
        loss = head.mode.loss(targets: train.targetCount, meanLoss: meanLoss, spreadWeight: spreadWeight)
        histograms =
            head.mode == .distribution ? RatingDistribution.histograms(train, centres: head.binCentres) : []
        weights = head.mode == .weighted ? (train.spreads ?? []).map { 1 / (1 + Double($0) * Double($0)) } : []
    }

    /// The loss of raw decoder outputs `[indices.count, decoderOutputs]` for train utterances `indices`, and its
    /// gradient with respect to them.
    func evaluate(predictions: [Float], indices: [Int]) -> (value: Double, gradient: [Float]) {
        let t = train.targetCount
        func gather<V>(_ values: [V], _ width: Int) -> [V] {
            indices.flatMap { values[($0 * width)..<(($0 + 1) * width)] }
        }
        switch mode {
        case .off, .stdAux:
            let outputs = head.decoderOutputs
            var targetMatrix = [Float](repeating: 0, count: indices.count * outputs)
            for (row, i) in indices.enumerated() {
                for target in 0..<t {
                    targetMatrix[row * outputs + target] = train.labels[i * t + target]
                    if mode == .stdAux, let spreads = train.spreads {
                        targetMatrix[row * outputs + t + target] = spreads[i * t + target]
                    }
                }
            }
            return loss.evaluate(predictions: predictions, targets: targetMatrix, columns: outputs)
        case .weighted:
            return loss.evaluate(
                predictions: predictions, targets: gather(train.labels, t), weights: gather(weights, t), columns: t)
        case .nll:
            return GaussianNLL.evaluate(
                predictions: predictions, labels: gather(train.labels, t), spreads: gather(train.spreads ?? [], t),
                targets: t, floor: head.varianceFloor)
        case .distribution:
            let k = head.binCentres.count
            return RatingDistribution.evaluate(
                predictions: predictions, histograms: gather(histograms, t * k), targets: t, bins: k)
        }
    }
}
