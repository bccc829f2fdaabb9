import Foundation
import Shards

/// The late-fusion job: the predictions of several trained systems (``PredictionTable``s, e.g. models of
/// different modalities, layers, selections or seeds, each predicted on its own dataset of the same
/// utterances) and a dataset's consensus labels in; the fused predictions, the fitted weights and every metric
/// of the fused system and of each member out. `salience fuse` runs it.
///
/// Members are joined on (condition, split, id): they must predict the same targets and exactly the same
/// utterances in the same splits and conditions as each other and as the labels' dataset, or the job refuses,
/// naming the first utterance or field that differs. Weights are fitted on the clean dev split only.
public struct LateFusion {
    /// The members, in order.
    public var members: [PredictionTable]
    /// How they are combined.
    public var method: FusionMethod

    /// A fusion of `members` by `method`.
    /// - Throws: `FusionError` when there are fewer than two members or they differ in targets or utterances.
    public init(members: [PredictionTable], method: FusionMethod) throws {
        guard members.count >= 2 else { throw FusionError.tooFewMembers(members.count) }
        for member in members.dropFirst() {
            try LateFusion.requireSameTargets(members[0].source, members[0].targets, member.source, member.targets)
            try LateFusion.requireSameKeys(members[0], member)
        }
        self.members = members
        self.method = method
    }

    /// Fits, fuses and evaluates against the labels of `clean` and `distorted` (as `TrainingData` holds them;
    /// only their labels and ids are used) for a `task` dataset named `dataset`.
    /// - Throws: `FusionError` when the dataset's targets or utterances differ from the members'.
    public func run(
        clean: [Split: UtteranceSet], distorted: [String: [Split: UtteranceSet]], targets: [String], task: TaskKind,
        dataset: String
    ) throws -> FusionRecord {
        let first = members[0]
        try LateFusion.requireSameTargets(first.source, first.targets, dataset, targets)
        var datasetKeys = [PredictionTable.Key]()
        for (split, set) in clean {
            datasetKeys += set.ids.map { .init(condition: ShardFormat.cleanCondition, split: split, id: $0) }
        }
        for (condition, splits) in distorted {
            for (split, set) in splits {
                datasetKeys += set.ids.map { .init(condition: condition, split: split, id: $0) }
            }
        }
        try LateFusion.requireSameKeys(
            first,
            PredictionTable(
                source: dataset, targets: targets, keys: datasetKeys,
                values: Dictionary(
                    uniqueKeysWithValues: datasetKeys.map { ($0, []) })))
        guard let dev = clean[.dev], dev.count > 0 else { throw FusionError.noDevSplit(dataset: dataset) }

        // Member m's dev predictions of target t, and the labels.
        let t = targets.count
        let devKeys = dev.ids.map { PredictionTable.Key(condition: ShardFormat.cleanCondition, split: .dev, id: $0) }
        var weights = [FusionWeights]()
        for (column, target) in targets.enumerated() {
            let rows = devKeys.map { key in members.map { $0.values[key]![column] } }
            let y = (0..<dev.count).map { Double(dev.labels[$0 * t + column]) }
            let devMetric = (0..<members.count).map { m in
                let x = rows.map { $0[m] }
                return task == .binary ? Metrics.rocAUC(x, y) : Metrics.ccc(x, y)
            }
            let m = Double(members.count)
            switch method {
            case .mean:
                weights.append(
                    FusionWeights(
                        target: target, weights: Array(repeating: 1 / m, count: members.count), bias: 0,
                        logistic: false, memberDevMetric: devMetric))
            case .devWeighted:
                let positive = devMetric.map { $0.isFinite ? max($0, 0) : 0 }
                let sum = positive.reduce(0, +)
                weights.append(
                    FusionWeights(
                        target: target,
                        weights: sum > 0 ? positive.map { $0 / sum } : Array(repeating: 1 / m, count: members.count),
                        bias: 0, logistic: false, memberDevMetric: devMetric))
            case .learned:
                let fit = task == .binary ? FusionFit.logistic(rows, y) : FusionFit.leastSquares(rows, y)
                weights.append(
                    FusionWeights(
                        target: target, weights: fit.weights, bias: fit.bias, logistic: task == .binary,
                        memberDevMetric: devMetric))
            }
        }

        var fused = [PredictionTable.Key: [Double]]()
        for key in first.keys {
            let predictions = members.map { $0.values[key]! }
            fused[key] = weights.enumerated().map { column, w in w.combine(predictions.map { $0[column] }) }
        }
        let table = PredictionTable(
            source: "fusion (\(method.rawValue))", targets: targets, keys: first.keys, values: fused)
        func metrics(of table: PredictionTable) -> [MetricEntry] {
            MetricEntry.evaluate(targets: targets, task: task, outputs: t, clean: clean, distorted: distorted) {
                set, split, condition in
                set.ids.flatMap { id in
                    table.values[PredictionTable.Key(condition: condition, split: split, id: id)]!.map { Float($0) }
                }
            }
        }
        return FusionRecord(
            method: method, task: task, members: members.map(\.source), weights: weights, fused: table,
            metrics: metrics(of: table), memberMetrics: members.map(metrics(of:)))
    }

    static func requireSameTargets(_ a: String, _ targetsA: [String], _ b: String, _ targetsB: [String]) throws {
        guard targetsA == targetsB else {
            throw FusionError.targetsDiffer(first: a, firstTargets: targetsA, second: b, secondTargets: targetsB)
        }
    }

    /// Refuses, naming the first key (in condition, split, id order) that one table has and the other lacks.
    static func requireSameKeys(_ a: PredictionTable, _ b: PredictionTable) throws {
        let missingInB = a.keys.filter { b.values[$0] == nil }.min()
        let missingInA = b.keys.filter { a.values[$0] == nil }.min()
        switch (missingInB, missingInA) {
        case (let key?, let other?) where other < key:
            throw FusionError.utteranceMissing(key: other.description, present: b.source, absent: a.source)
        case (let key?, _):
            throw FusionError.utteranceMissing(key: key.description, present: a.source, absent: b.source)
        case (nil, let key?):
            throw FusionError.utteranceMissing(key: key.description, present: b.source, absent: a.source)
        case (nil, nil):
            return
        }
    }
}

/// What a fusion produced: the weights, the fused predictions and every metric of it and of each member.
public struct FusionRecord: Sendable {
    /// The method.
    public var method: FusionMethod
    /// The task of the labels' dataset (which metric selects: CCC or AUC).
    public var task: TaskKind
    /// The members' sources, in order.
    public var members: [String]
    /// One fitted combination per target.
    public var weights: [FusionWeights]
    /// The fused predictions.
    public var fused: PredictionTable
    /// Every metric of the fused system (as `salience train` reports a model's).
    public var metrics: [MetricEntry]
    /// Every metric of each member, on the same utterances.
    public var memberMetrics: [[MetricEntry]]
}
