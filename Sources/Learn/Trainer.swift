import Foundation
import Numerics
import Shards

/// One epoch's summary, handed to the progress callback.
public struct EpochReport: Codable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Mean training loss over the epoch's batches.
    public var trainLoss: Double
    /// The dev selection metric (mean CCC or mean AUC).
    public var devMetric: Double
    /// The learning rate used in this epoch.
    public var learningRate: Double
    /// Training utterances per second in this epoch (excluding dev evaluation).
    public var utterancesPerSecond: Double
    /// Seconds since training started.
    public var elapsed: Double
    /// Estimated seconds to `maxEpochs` at the mean epoch time so far.
    public var estimatedRemaining: Double
    /// Whether this epoch is the best so far.
    public var isBest: Bool

    /// A one-line human summary.
    public var line: String {
        String(
            format: "epoch %3d  loss %.4f  dev %.4f%@  lr %.1e  %.0f utt/s  %.0fs elapsed  ETA %.0fs", epoch,
            trainLoss, devMetric, isBest ? "*" : " ", learningRate, utterancesPerSecond, elapsed,
            estimatedRemaining)
    }
}

/// Why training ended.
public enum StopReason: String, Codable, Sendable {
    /// `maxEpochs` ran.
    case maxEpochs = "max-epochs"
    /// The dev metric did not improve for `earlyStoppingPatience` epochs.
    case earlyStopping = "early-stopping"
    /// The loss became NaN or infinite; the best model so far is kept.
    case diverged
}

/// The result of a training run: the best model (by dev metric) and the run's timing.
public struct TrainingOutcome {
    /// The model with the best dev metric's weights.
    public var model: TrainedModel
    /// The best epoch (0 when no epoch finished: the initial weights).
    public var bestEpoch: Int
    /// Its dev metric.
    public var bestDevMetric: Double
    /// Seconds from the start to the end of the best epoch.
    public var secondsToBest: Double
    /// Seconds in total.
    public var secondsTotal: Double
    /// Why it stopped.
    public var stopReason: StopReason
    /// A message when it diverged.
    public var message: String?
    /// Every epoch's report.
    public var history: [EpochReport]
}

/// Trains a decoder with Adam on mini-batches of variable-length utterances, early stopping on the dev
/// metric and halving the learning rate on plateaus. Everything random comes from `config.seed`, and
/// BLAS runs with a fixed thread count, so a run is reproducible bit for bit on one machine.
public final class Trainer {
    /// The run's settings.
    public let config: TrainingConfig
    /// The decoder architecture (its input width is the training set's width).
    public let decoderConfig: DecoderConfig

    /// Prepares a run.
    public init(config: TrainingConfig, decoderConfig: DecoderConfig) {
        self.config = config
        self.decoderConfig = decoderConfig
    }

    /// Trains on `train`, selecting epochs on `dev`; `progress` is called after every epoch.
    public func train(
        train: UtteranceSet, dev: UtteranceSet, task: TaskKind, targets: [String], selection: [Int],
        datasetWidth: Int, datasetName: String = "dataset", progress: (EpochReport) -> Void = { _ in }
    ) throws -> TrainingOutcome {
        guard train.count > 0 else { throw LearnError.emptySplit("train") }
        guard dev.count > 0 else { throw LearnError.emptySplit("dev") }
        try decoderConfig.validateLayerMix()
        if config.labelVariance.needsRaterSpread && train.spreads == nil {
            throw LearnError.noRaterSpread(dataset: datasetName, mode: config.labelVariance)
        }
        // Parallelism is over replicas (DataParallel), so BLAS itself runs single-threaded.
        BLASThreads.set(1)
        let start = Date()
        let targetCount = train.targetCount
        let head = LabelVarianceHead.fitted(mode: config.labelVariance, task: task, train: train)
        guard head.decoderOutputs == decoderConfig.outputCount else {
            throw LearnError.invalidSetting(
                "the decoder has \(decoderConfig.outputCount) outputs, and label variance "
                    + "\(config.labelVariance.rawValue) with \(targetCount) targets needs \(head.decoderOutputs)")
        }
        let decoder = SequenceDecoder<Float>(config: decoderConfig, seed: config.seed)
        decoder.setStandardization(Standardization(fitting: train))
        let model = TrainedModel(
            decoder: decoder, task: task, targets: targets, head: head, selection: selection,
            datasetWidth: datasetWidth)
        let objective = TrainingObjective(
            head: head, meanLoss: config.meanLoss(for: task), spreadWeight: config.spreadWeight, train: train)
        let adam = Adam(parameters: decoder.parameters, learningRate: config.learningRate, threads: config.threads)
        let parallel = DataParallel(master: decoder, count: config.threads)
        // One stream for shuffling and dropout, separate from initialisation's (seeded by the same seed).
        var generator = SeededGenerator(seed: config.seed ^ 0x5EED_0F_7EA1)

        var best = decoder.parameters.map(\.value)
        var bestMetric = -Double.infinity
        var bestEpoch = 0
        var secondsToBest = 0.0
        var sinceBest = 0
        var sincePlateau = 0
        var history = [EpochReport]()
        var stopReason = StopReason.maxEpochs
        var message: String?

        epochs: for epoch in 1...max(config.maxEpochs, 1) {
            let epochStart = Date()
            var lossSum = 0.0
            let batches = epochBatches(train, &generator)
            for (k, indices) in batches.enumerated() {
                let seeds = (0..<config.threads).map { _ in generator.next() }
                let predictions = parallel.forward(train, indices, training: true, seeds: seeds)
                let (value, gradient) = objective.evaluate(predictions: predictions, indices: indices)
                guard value.isFinite, predictions.allSatisfy(\.isFinite) else {
                    stopReason = .diverged
                    message =
                        "training diverged: loss \(value) in epoch \(epoch), batch \(k + 1); keeping the best model "
                        + "so far (epoch \(bestEpoch))"
                    break epochs
                }
                lossSum += value
                parallel.backward(gradient)
                adam.update()
                decoder.zeroGradients()
                parallel.synchronize()
            }
            let trainSeconds = Date().timeIntervalSince(epochStart)
            let devOutputs = model.head.report(parallel.predict(dev, batchSize: config.batchSize))
            let devMetric = Evaluation(
                predictions: devOutputs, outputs: model.outputCount, set: dev, targets: targets, task: task
            ).selectionValue(for: task)
            let improved = devMetric > bestMetric
            let elapsed = Date().timeIntervalSince(start)
            if improved {
                bestMetric = devMetric
                bestEpoch = epoch
                best = decoder.parameters.map(\.value)
                secondsToBest = elapsed
                sinceBest = 0
                sincePlateau = 0
            } else {
                sinceBest += 1
                sincePlateau += 1
            }
            let report = EpochReport(
                epoch: epoch, trainLoss: lossSum / Double(max(batches.count, 1)), devMetric: devMetric,
                learningRate: adam.learningRate, utterancesPerSecond: Double(train.count) / max(trainSeconds, 1e-9),
                elapsed: elapsed,
                estimatedRemaining: elapsed / Double(epoch) * Double(config.maxEpochs - epoch), isBest: improved)
            history.append(report)
            progress(report)
            if sinceBest >= config.earlyStoppingPatience {
                stopReason = .earlyStopping
                break
            }
            if sincePlateau >= config.plateauPatience {
                adam.learningRate = max(adam.learningRate / 2, config.minimumLearningRate)
                sincePlateau = 0
            }
        }
        for (p, values) in zip(decoder.parameters, best) { p.value = values }
        return TrainingOutcome(
            model: model, bestEpoch: bestEpoch, bestDevMetric: bestMetric, secondsToBest: secondsToBest,
            secondsTotal: Date().timeIntervalSince(start), stopReason: stopReason, message: message,
            history: history)
    }

    /// A shuffled epoch cut into buckets of `batchesPerBucket` batches, each bucket sorted by length
    /// (ties in shuffled order) and cut into batches, the batches then shuffled.
    public func epochBatches(_ set: UtteranceSet, _ generator: inout SeededGenerator) -> [[Int]] {
        var order = Array(0..<set.count)
        order.shuffle(using: &generator)
        let size = max(config.batchSize, 1)
        let bucket = size * max(config.batchesPerBucket, 1)
        var batches = [[Int]]()
        var start = 0
        while start < order.count {
            let end = min(start + bucket, order.count)
            let sorted = order[start..<end].enumerated()
                .sorted { (set.length($0.element), $0.offset) < (set.length($1.element), $1.offset) }
                .map(\.element)
            var s = 0
            while s < sorted.count {
                batches.append(Array(sorted[s..<min(s + size, sorted.count)]))
                s += size
            }
            start = end
        }
        batches.shuffle(using: &generator)
        return batches
    }
}
