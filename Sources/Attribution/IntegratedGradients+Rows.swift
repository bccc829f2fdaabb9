import Learn

/// What both attribution paths (per point, and through an affine front) do with a batch of rows: build the
/// endpoint batch and add weighted gradients into each utterance's sums.
extension IntegratedGradients {
    /// One sequence of a batch: utterance `utterance` at integration point `step` (for endpoint batches, step
    /// 0 is the input itself and step 1 the baseline sequence of the same length).
    struct Row {
        let utterance: Int
        let step: Int
    }

    /// The padded `[steps, rows, width]` frames of endpoint rows: the utterance for step 0, the baseline frame
    /// repeated over the utterance's length for step 1.
    static func endpointFrames(
        _ batchRows: [Row], utterances: [[Float]], lengths: [Int], base: [Float], width: Int
    ) -> FrameBatch<Float> {
        let batchSize = batchRows.count
        let batchLengths = batchRows.map { lengths[$0.utterance] }
        let steps = batchLengths.max() ?? 0
        var frames = [Float](repeating: 0, count: steps * batchSize * width)
        frames.withUnsafeMutableBufferPointer { out in
            for (r, row) in batchRows.enumerated() {
                utterances[row.utterance].withUnsafeBufferPointer { x in
                    for t in 0..<lengths[row.utterance] {
                        let target = (t * batchSize + r) * width
                        if row.step == 0 {
                            for c in 0..<width { out[target + c] = x[t * width + c] }
                        } else {
                            for c in 0..<width { out[target + c] = base[c] }
                        }
                    }
                }
            }
        }
        return FrameBatch(frames: frames, lengths: batchLengths, width: width)
    }

    /// Adds w_step times each row's gradient (`[steps, rows, width]` per output, in `targets` order) into its
    /// utterance's sums (`totals[utterance][output]`, T x width), after checking the model answered one
    /// gradient of the batch's size per output. `what` names the gradients in the error.
    static func addWeighted(
        _ gradients: [[Float]], of batchRows: [Row], lengths: [Int], width: Int, weights: [Double],
        targets: [Int], what: String, into totals: inout [[[Float]]]
    ) throws {
        guard gradients.count == targets.count else {
            throw AttributionError.modelAnswerSize(
                what: "gradients per output", expected: targets.count, actual: gradients.count)
        }
        let batchSize = batchRows.count
        let expected = (batchRows.map { lengths[$0.utterance] }.max() ?? 0) * batchSize * width
        for (k, gradient) in gradients.enumerated() {
            guard gradient.count == expected else {
                throw AttributionError.modelAnswerSize(
                    what: "\(what) of output \(targets[k])", expected: expected, actual: gradient.count)
            }
            gradient.withUnsafeBufferPointer { g in
                for (r, row) in batchRows.enumerated() {
                    let weight = Float(weights[row.step])
                    totals[row.utterance][k].withUnsafeMutableBufferPointer { total in
                        for t in 0..<lengths[row.utterance] {
                            let target = t * width
                            let source = (t * batchSize + r) * width
                            for c in 0..<width { total[target + c] += weight * g[source + c] }
                        }
                    }
                }
            }
        }
    }
}
