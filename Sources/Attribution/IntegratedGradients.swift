import Learn

/// Integrated Gradients (Sundararajan, Taly, Yan, 2017) as Captum computes it with `multiply_by_inputs`:
/// a[τ, d] = (x − b)[τ, d] · Σ_k w_k ∂F_j(b + α_k (x − b)) / ∂x[τ, d], one pass per output j.
///
/// The m interpolated copies of an utterance go through the model together as rows of one padded batch
/// (several utterances share a batch while they fit in `maxBatchFloats`; a long utterance's copies are split
/// over several batches), never as m separate calls. A model whose front is affine (`AffineFrontModel`,
/// every Learn decoder) is interpolated at the front's output instead (`IntegratedGradients+Front`).
public struct IntegratedGradients: Sendable {
    /// The number of integration points m.
    public var steps: Int
    /// The quadrature rule.
    public var method: IntegrationMethod
    /// Where the path starts.
    public var baseline: Baseline
    /// At most this many floats (rows x padded length x width) per model call; one row always fits.
    public var maxBatchFloats: Int

    /// An attribution method with methods.md's defaults unless told otherwise.
    public init(
        steps: Int = AttributionDefaults.steps, method: IntegrationMethod = AttributionDefaults.method,
        baseline: Baseline = .zero, maxBatchFloats: Int = AttributionDefaults.maxBatchFloats
    ) {
        self.steps = steps
        self.method = method
        self.baseline = baseline
        self.maxBatchFloats = maxBatchFloats
    }

    /// Attributes every output in `outputs` (all of the model's outputs when nil) for each utterance.
    ///
    /// - Parameters:
    ///   - utterances: each utterance's frames, T x D floats row-major, D the model's input width.
    ///   - keepingFrames: whether each result keeps its frame-wise attributions (T x D per output). The
    ///     statistics need only the per-dimension summaries, so a pass passes false: an utterance's
    ///     gradient sums are then summarised and freed as soon as its last interpolation row is done, and
    ///     memory follows the batch, not the utterances (the same summaries to the bit).
    /// - Returns: one `UtteranceAttribution` per utterance, in order.
    /// - Throws: `AttributionError` for bad steps, baseline, utterance shapes or outputs, and whatever the
    ///   model throws.
    public func attribute<Model: AttributableModel>(
        _ utterances: [[Float]], model: Model, outputs: [Int]? = nil, keepingFrames: Bool = true
    ) throws -> [UtteranceAttribution] {
        let width = model.inputWidth
        let targets = outputs ?? Array(0..<model.outputCount)
        for j in targets where !(0..<model.outputCount).contains(j) {
            throw AttributionError.outputOutOfRange(j, outputCount: model.outputCount)
        }
        let base = try baseline.frame(width: width)
        let (alphas, weights) = try method.nodes(steps: steps)
        var lengths: [Int] = []
        for (index, frames) in utterances.enumerated() {
            guard width > 0, !frames.isEmpty, frames.count % width == 0 else {
                throw AttributionError.utteranceShape(index: index, floats: frames.count, width: width)
            }
            lengths.append(frames.count / width)
        }
        if utterances.isEmpty || targets.isEmpty { return [] }
        if let affine = model as? any AffineFrontModel {
            return try attributeThroughFront(
                utterances, model: affine, targets: targets, lengths: lengths, base: base, alphas: alphas,
                weights: weights, keepingFrames: keepingFrames)
        }

        // Σ_k w_k ∂F_j/∂x at the interpolated points, per utterance and output; made at an utterance's
        // first row and, unless frames are kept, summarised and freed after its last.
        var totals = [[[Float]]](repeating: [], count: lengths.count)
        var rowsLeft = [Int](repeating: alphas.count, count: lengths.count)
        var frameAttributions = [[[Float]]](repeating: [], count: lengths.count)
        var summaries = [UtteranceAttribution.Summaries?](repeating: nil, count: lengths.count)
        func finish(_ u: Int) {
            let attributions = totals[u].map { total in
                var a = total
                utterances[u].withUnsafeBufferPointer { x in
                    for i in 0..<a.count { a[i] *= x[i] - base[i % width] }
                }
                return a
            }
            totals[u] = []
            summaries[u] = UtteranceAttribution.summaries(of: attributions, length: lengths[u], width: width)
            if keepingFrames { frameAttributions[u] = attributions }
        }
        // Utterances of similar length share batches (shortest first), so little of a batch is padding.
        let byLength = lengths.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        let rows = byLength.flatMap { u in alphas.indices.map { Row(utterance: u, step: $0) } }
        for batchRows in packRows(rows, lengths: lengths, width: width) {
            for row in batchRows where totals[row.utterance].isEmpty {
                totals[row.utterance] = Array(
                    repeating: [Float](repeating: 0, count: lengths[row.utterance] * width), count: targets.count)
            }
            let batchSize = batchRows.count
            let steps = batchRows.map { lengths[$0.utterance] }.max() ?? 0
            var frames = [Float](repeating: 0, count: steps * batchSize * width)
            frames.withUnsafeMutableBufferPointer { out in
                for (r, row) in batchRows.enumerated() {
                    let alpha = Float(alphas[row.step])
                    utterances[row.utterance].withUnsafeBufferPointer { x in
                        for t in 0..<lengths[row.utterance] {
                            let source = t * width
                            let target = (t * batchSize + r) * width
                            for c in 0..<width {
                                let b = base[c]
                                out[target + c] = b + alpha * (x[source + c] - b)
                            }
                        }
                    }
                }
            }
            let batch = FrameBatch<Float>(
                frames: frames, lengths: batchRows.map { lengths[$0.utterance] }, width: width)
            let gradients = try model.inputGradients(for: batch, outputs: targets)
            try Self.addWeighted(
                gradients, of: batchRows, lengths: lengths, width: width, weights: weights, targets: targets,
                what: "input gradients", into: &totals)
            for row in batchRows {
                rowsLeft[row.utterance] -= 1
                if rowsLeft[row.utterance] == 0 { finish(row.utterance) }
            }
        }

        let (atInput, atBaseline) = try endpointOutputs(
            utterances, lengths: lengths, base: base, model: model, targets: targets)
        return lengths.indices.map { u in
            UtteranceAttribution(
                length: lengths[u], width: width, outputs: targets, frameAttributions: frameAttributions[u],
                summaries: summaries[u]!, outputAtInput: atInput[u], outputAtBaseline: atBaseline[u])
        }
    }

    /// Cuts rows into consecutive batches of at most `maxBatchFloats` padded floats (at least one row each).
    func packRows(_ rows: [Row], lengths: [Int], width: Int) -> [[Row]] {
        var batches: [[Row]] = []
        var current: [Row] = []
        var currentLength = 0
        for row in rows {
            let length = max(currentLength, lengths[row.utterance])
            if !current.isEmpty && (current.count + 1) * length * width > maxBatchFloats {
                batches.append(current)
                current = []
                currentLength = 0
            }
            current.append(row)
            currentLength = max(currentLength, lengths[row.utterance])
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// F_j(x) and F_j(baseline) for every utterance, batched like the gradient rows.
    private func endpointOutputs<Model: AttributableModel>(
        _ utterances: [[Float]], lengths: [Int], base: [Float], model: Model, targets: [Int]
    ) throws -> (atInput: [[Float]], atBaseline: [[Float]]) {
        let width = model.inputWidth
        let outputCount = model.outputCount
        var atInput = [[Float]](repeating: [], count: utterances.count)
        var atBaseline = [[Float]](repeating: [], count: utterances.count)
        // Step 0 marks the input itself, step 1 the baseline sequence of the same length.
        let byLength = lengths.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        let rows = byLength.flatMap { u in [Row(utterance: u, step: 0), Row(utterance: u, step: 1)] }
        for batchRows in packRows(rows, lengths: lengths, width: width) {
            let batch = Self.endpointFrames(
                batchRows, utterances: utterances, lengths: lengths, base: base, width: width)
            let values = try model.outputs(for: batch)
            guard values.count == batchRows.count * outputCount else {
                throw AttributionError.modelAnswerSize(
                    what: "outputs", expected: batchRows.count * outputCount, actual: values.count)
            }
            for (r, row) in batchRows.enumerated() {
                let picked = targets.map { values[r * outputCount + $0] }
                if row.step == 0 { atInput[row.utterance] = picked } else { atBaseline[row.utterance] = picked }
            }
        }
        return (atInput, atBaseline)
    }
}
