import Learn

extension IntegratedGradients {
    /// `attribute` for a model with an affine front (`AffineFrontModel`): the front runs once on each
    /// utterance and once on its baseline sequence, the m interpolation points are formed at the front's
    /// output (A(b) + α_k (A(x) − A(b)), exact for an affine A), and the weighted sum of the m front gradients
    /// goes back through Aᵀ once per utterance. The input-width GEMMs of the m forward and m backward passes
    /// become two forward and one backward per utterance; the result equals the per-point chain up to the
    /// order of float additions (`IntegratedGradientsFrontTests`). F(x) and F(b) come from the same fronts.
    func attributeThroughFront<Model: AffineFrontModel>(
        _ utterances: [[Float]], model: Model, targets: [Int], lengths: [Int], base: [Float], alphas: [Double],
        weights: [Double], keepingFrames: Bool
    ) throws -> [UtteranceAttribution] {
        let width = model.inputWidth
        let frontWidth = model.frontWidth
        let outputCount = model.outputCount
        let count = lengths.count
        // Per utterance, alive from its first interpolation row to its last: A(x), A(b), and per output
        // Σ_k w_k ∂F_j/∂front at the points (T x frontWidth each).
        var frontAtInput = [[Float]](repeating: [], count: count)
        var frontAtBaseline = [[Float]](repeating: [], count: count)
        var totals = [[[Float]]](repeating: [], count: count)
        var atInput = [[Float]](repeating: [], count: count)
        var atBaseline = [[Float]](repeating: [], count: count)
        var rowsLeft = [Int](repeating: alphas.count, count: count)
        var frameAttributions = [[[Float]]](repeating: [], count: count)
        var summaries = [UtteranceAttribution.Summaries?](repeating: nil, count: count)

        // A(x) and A(b) of utterances about to start, two rows each, and F(x), F(b) from them.
        func prepare(_ starting: [Int]) throws {
            let rows = starting.flatMap { [Row(utterance: $0, step: 0), Row(utterance: $0, step: 1)] }
            for batchRows in packRows(rows, lengths: lengths, width: width) {
                let batchSize = batchRows.count
                let endpoints = Self.endpointFrames(
                    batchRows, utterances: utterances, lengths: lengths, base: base, width: width)
                let (steps, batchLengths) = (endpoints.steps, endpoints.lengths)
                let front = try model.front(of: endpoints)
                guard front.count == steps * batchSize * frontWidth else {
                    throw AttributionError.modelAnswerSize(
                        what: "front outputs", expected: steps * batchSize * frontWidth, actual: front.count)
                }
                let values = try model.outputsAndFrontGradients(
                    front: FrameBatch(frames: front, lengths: batchLengths, width: frontWidth), outputs: []
                ).outputs
                guard values.count == batchSize * outputCount else {
                    throw AttributionError.modelAnswerSize(
                        what: "outputs", expected: batchSize * outputCount, actual: values.count)
                }
                for (r, row) in batchRows.enumerated() {
                    let length = lengths[row.utterance]
                    var own = [Float](repeating: 0, count: length * frontWidth)
                    for t in 0..<length {
                        let source = (t * batchSize + r) * frontWidth
                        for c in 0..<frontWidth { own[t * frontWidth + c] = front[source + c] }
                    }
                    let picked = targets.map { values[r * outputCount + $0] }
                    if row.step == 0 {
                        frontAtInput[row.utterance] = own
                        atInput[row.utterance] = picked
                    } else {
                        frontAtBaseline[row.utterance] = own
                        atBaseline[row.utterance] = picked
                    }
                }
            }
        }

        // Aᵀ of each output's summed front gradient (one batch of one row per output), times (x − b).
        func finish(_ u: Int) throws {
            let length = lengths[u]
            let outputs = targets.count
            var stacked = [Float](repeating: 0, count: length * outputs * frontWidth)
            for (k, total) in totals[u].enumerated() {
                for t in 0..<length {
                    let target = (t * outputs + k) * frontWidth
                    for c in 0..<frontWidth { stacked[target + c] = total[t * frontWidth + c] }
                }
            }
            totals[u] = []
            frontAtInput[u] = []
            frontAtBaseline[u] = []
            let gradient = try model.inputGradient(
                fromFront: FrameBatch(
                    frames: stacked, lengths: Array(repeating: length, count: outputs), width: frontWidth))
            guard gradient.count == length * outputs * width else {
                throw AttributionError.modelAnswerSize(
                    what: "input gradients from the front", expected: length * outputs * width,
                    actual: gradient.count)
            }
            let attributions = (0..<outputs).map { k in
                var a = [Float](repeating: 0, count: length * width)
                utterances[u].withUnsafeBufferPointer { x in
                    for t in 0..<length {
                        let source = (t * outputs + k) * width
                        for c in 0..<width { a[t * width + c] = gradient[source + c] * (x[t * width + c] - base[c]) }
                    }
                }
                return a
            }
            summaries[u] = UtteranceAttribution.summaries(of: attributions, length: length, width: width)
            if keepingFrames { frameAttributions[u] = attributions }
        }

        // Utterances of similar length share batches (shortest first), so little of a batch is padding.
        let byLength = lengths.indices.sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        let rows = byLength.flatMap { u in alphas.indices.map { Row(utterance: u, step: $0) } }
        for batchRows in packRows(rows, lengths: lengths, width: width) {
            var starting: [Int] = []
            for row in batchRows where totals[row.utterance].isEmpty && !starting.contains(row.utterance) {
                starting.append(row.utterance)
            }
            try prepare(starting)
            for u in starting {
                totals[u] = Array(
                    repeating: [Float](repeating: 0, count: lengths[u] * frontWidth), count: targets.count)
            }
            let batchSize = batchRows.count
            let steps = batchRows.map { lengths[$0.utterance] }.max() ?? 0
            var fronts = [Float](repeating: 0, count: steps * batchSize * frontWidth)
            fronts.withUnsafeMutableBufferPointer { out in
                for (r, row) in batchRows.enumerated() {
                    let alpha = Float(alphas[row.step])
                    frontAtInput[row.utterance].withUnsafeBufferPointer { ax in
                        frontAtBaseline[row.utterance].withUnsafeBufferPointer { ab in
                            for t in 0..<lengths[row.utterance] {
                                let source = t * frontWidth
                                let target = (t * batchSize + r) * frontWidth
                                for c in 0..<frontWidth {
                                    let b = ab[source + c]
                                    out[target + c] = b + alpha * (ax[source + c] - b)
                                }
                            }
                        }
                    }
                }
            }
            let gradients = try model.outputsAndFrontGradients(
                front: FrameBatch(frames: fronts, lengths: batchRows.map { lengths[$0.utterance] }, width: frontWidth),
                outputs: targets
            ).gradients
            try Self.addWeighted(
                gradients, of: batchRows, lengths: lengths, width: frontWidth, weights: weights, targets: targets,
                what: "front gradients", into: &totals)
            for row in batchRows {
                rowsLeft[row.utterance] -= 1
                if rowsLeft[row.utterance] == 0 { try finish(row.utterance) }
            }
        }
        return lengths.indices.map { u in
            UtteranceAttribution(
                length: lengths[u], width: width, outputs: targets, frameAttributions: frameAttributions[u],
                summaries: summaries[u]!, outputAtInput: atInput[u], outputAtBaseline: atBaseline[u])
        }
    }
}
