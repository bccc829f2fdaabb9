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

    /// Starts an empty pass attributing `outputs` (all of the model's outputs when nil).
    /// - Throws: `AttributionError.outputOutOfRange` for an output the model does not have.
    public init(method: IntegratedGradients, replicas: [Model], outputs: [Int]? = nil) throws {
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
    }

    /// Attributes `utterances` (each T x D floats, row-major) and adds them to the statistics.
    public mutating func add(_ utterances: [[Float]]) throws {
        let results = try method.attribute(utterances, replicas: replicas, outputs: statistics.outputs)
        try statistics.add(contentsOf: results)
    }
}
