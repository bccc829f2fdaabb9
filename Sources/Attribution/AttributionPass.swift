import Saliency

/// Attribution statistics accumulated over utterances fed in chunks: the work of one task (or of a whole
/// split on one machine). Each chunk goes through `IntegratedGradients` on the model replicas, and only
/// the per-dimension summaries are kept, so memory is bounded by the chunk, not the split.
public struct AttributionPass<Model: AttributableModel> {
    /// The attribution method.
    public let method: IntegratedGradients
    /// Independent copies of the model, one per thread.
    public let replicas: [Model]
    /// The statistics so far.
    public private(set) var statistics: AttributionStatistics
    /// Bootstrap replicates of the IG score so far, when asked for.
    public private(set) var replicates: AttributionReplicates?

    /// Starts an empty pass attributing `outputs` (all of the model's outputs when nil).
    /// - Throws: `AttributionError.outputOutOfRange` for an output the model does not have.
    public init(
        method: IntegratedGradients, replicas: [Model], outputs: [Int]? = nil, bootstrap: BootstrapSettings? = nil
    ) throws {
        guard let model = replicas.first else {
            throw AttributionError.shapeMismatch(expected: "at least one model replica", actual: "none")
        }
        let targets = outputs ?? Array(0..<model.outputCount)
        for j in targets where !(0..<model.outputCount).contains(j) {
            throw AttributionError.outputOutOfRange(j, outputCount: model.outputCount)
        }
        self.method = method
        self.replicas = replicas
        statistics = AttributionStatistics(width: model.inputWidth, outputs: targets)
        replicates = bootstrap.map {
            AttributionReplicates(
                width: model.inputWidth, outputCount: targets.count, replicates: $0.replicates, seed: $0.seed)
        }
    }

    /// Attributes `utterances` (each T x D floats, row-major) and adds them to the statistics, and to the
    /// replicates with each utterance's bootstrap key from `keys` (needed when the pass has replicates).
    /// - Throws: `AttributionError.shapeMismatch` when replicates are kept and `keys` do not match.
    public mutating func add(_ utterances: [[Float]], keys: [UInt64]? = nil) throws {
        if replicates != nil, keys?.count != utterances.count {
            throw AttributionError.shapeMismatch(
                expected: "a bootstrap key per utterance (\(utterances.count))", actual: "\(keys?.count ?? 0) keys")
        }
        let results = try method.attribute(
            utterances, replicas: replicas, outputs: statistics.outputs, keepingFrames: false)
        try statistics.add(contentsOf: results)
        if var kept = replicates, let keys {
            for (result, key) in zip(results, keys) { try kept.add(result, key: key) }
            replicates = kept
        }
    }
}
