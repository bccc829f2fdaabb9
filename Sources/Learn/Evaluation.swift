import Shards

/// Metrics of a model's predictions on one split or condition: per target and averaged over targets.
public struct Evaluation: Codable, Equatable, Sendable {
    /// metric name → target name (and `mean`) → value. Metrics: `ccc`, `pearson`, `mse`, and `auc` for
    /// binary tasks. NaN values (undefined metrics) are encoded as null by `MetricsReport`.
    public var metrics: [String: [String: Double]]
    /// Utterances evaluated.
    public var utterances: Int

    /// Evaluates mean outputs (the first T columns of `predictions`, `[count, outputs]`) against the
    /// consensus labels of `set`.
    public init(predictions: [Float], outputs: Int, set: UtteranceSet, targets: [String], task: TaskKind) {
        var metrics = [String: [String: Double]]()
        let names = task == .binary ? ["ccc", "pearson", "mse", "auc"] : ["ccc", "pearson", "mse"]
        for name in names { metrics[name] = [:] }
        for (t, target) in targets.enumerated() {
            let x = (0..<set.count).map { Double(predictions[$0 * outputs + t]) }
            let y = (0..<set.count).map { Double(set.labels[$0 * set.targetCount + t]) }
            metrics["ccc"]?[target] = Metrics.ccc(x, y)
            metrics["pearson"]?[target] = Metrics.pearson(x, y)
            metrics["mse"]?[target] = Metrics.mse(x, y)
            if task == .binary { metrics["auc"]?[target] = Metrics.rocAUC(x, y) }
        }
        for name in names {
            let values = targets.compactMap { metrics[name]?[$0] }
            metrics[name]?["mean"] = values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
        }
        self.metrics = metrics
        self.utterances = set.count
    }

    /// The dev metric that selects epochs: mean CCC (regression) or mean ROC AUC (binary); higher is better.
    public static func selectionMetric(for task: TaskKind) -> String { task == .binary ? "auc" : "ccc" }

    /// The mean of the task's selection metric.
    public func selectionValue(for task: TaskKind) -> Double {
        metrics[Evaluation.selectionMetric(for: task)]?["mean"] ?? .nan
    }
}
