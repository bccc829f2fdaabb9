/// How an utterance's frames become rows of `Observations`.
public enum Pooling: String, CaseIterable, Sendable {
    /// One row per utterance: the mean of its frames (methods.md's default).
    case utterance
    /// One row per frame, each paired with its utterance's targets (weights long utterances more).
    case frame
}

extension Observations {
    /// Pools the frames of consecutive utterances into observations.
    ///
    /// - Parameters:
    ///   - frames: row-major `F × dimensions` Float32 frames, utterance after utterance.
    ///   - offsets: `N + 1` row offsets into `frames`; utterance `i` owns rows `offsets[i] - offsets[0] ..<
    ///     offsets[i+1] - offsets[0]` (so a range read from the middle of a shard can pass its offsets as is).
    ///   - labels: row-major `N × targetCount` targets.
    ///   - include: which utterances to keep (e.g. the train split); all when nil.
    ///   - keys: one key per utterance (`PoissonBootstrap.key(of:)` of its id), copied to every row it gives.
    /// - Complexity: O(F · dimensions).
    public static func pooling(
        frames: UnsafeBufferPointer<Float>, dimensions: Int, offsets: [Int], labels: [Float], targetCount: Int,
        pooling: Pooling, include: [Bool]? = nil, firstDimension: Int = 0, keys: [UInt64]? = nil
    ) throws -> Observations {
        let utterances = offsets.count - 1
        guard utterances >= 0, dimensions >= 1, targetCount >= 1 else {
            throw SaliencyError.invalidParameter("pooling needs offsets of N + 1 entries, dimensions and targets >= 1")
        }
        guard labels.count == utterances * targetCount else {
            throw SaliencyError.shapeMismatch(
                what: "labels", expected: "\(utterances) x \(targetCount)", found: "\(labels.count) values")
        }
        if let include, include.count != utterances {
            throw SaliencyError.shapeMismatch(
                what: "include mask", expected: "\(utterances)", found: "\(include.count)")
        }
        if let keys, keys.count != utterances {
            throw SaliencyError.shapeMismatch(what: "utterance keys", expected: "\(utterances)", found: "\(keys.count)")
        }
        let base = offsets.first ?? 0
        let frameCount = frames.count / dimensions
        guard frames.count == frameCount * dimensions, (offsets.last ?? 0) - base == frameCount else {
            throw SaliencyError.shapeMismatch(
                what: "frames", expected: "\((offsets.last ?? 0) - base) x \(dimensions)",
                found: "\(frames.count) values")
        }
        for index in 0..<utterances where offsets[index + 1] <= offsets[index] {
            throw SaliencyError.invalidParameter("offsets must increase strictly (utterance \(index))")
        }
        let kept = (0..<utterances).filter { include?[$0] ?? true }
        let rows =
            pooling == .utterance ? kept.count : kept.reduce(0) { $0 + offsets[$1 + 1] - offsets[$1] }
        var features = [Double](repeating: 0, count: rows * dimensions)
        var targets = [Double](repeating: 0, count: rows * targetCount)
        var rowKeys: [UInt64]? = keys.map { _ in [] }
        if let keys {
            for utterance in kept {
                let repeats = pooling == .utterance ? 1 : offsets[utterance + 1] - offsets[utterance]
                rowKeys?.append(contentsOf: repeatElement(keys[utterance], count: repeats))
            }
        }
        features.withUnsafeMutableBufferPointer { out in
            var row = 0
            for utterance in kept {
                let start = offsets[utterance] - base
                let end = offsets[utterance + 1] - base
                switch pooling {
                case .utterance:
                    let target = out.baseAddress! + row * dimensions
                    for frame in start..<end {
                        let source = frames.baseAddress! + frame * dimensions
                        for column in 0..<dimensions { target[column] += Double(source[column]) }
                    }
                    let length = Double(end - start)
                    for column in 0..<dimensions { target[column] /= length }
                    for index in 0..<targetCount {
                        targets[row * targetCount + index] = Double(labels[utterance * targetCount + index])
                    }
                    row += 1
                case .frame:
                    for frame in start..<end {
                        let target = out.baseAddress! + row * dimensions
                        let source = frames.baseAddress! + frame * dimensions
                        for column in 0..<dimensions { target[column] = Double(source[column]) }
                        for index in 0..<targetCount {
                            targets[row * targetCount + index] = Double(labels[utterance * targetCount + index])
                        }
                        row += 1
                    }
                }
            }
        }
        return try Observations(
            features: features, targets: targets, count: rows, dimensions: dimensions, targetCount: targetCount,
            firstDimension: firstDimension, rowKeys: rowKeys)
    }
}
