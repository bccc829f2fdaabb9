/// How a sequence of states becomes one vector per sequence.
public enum PoolingKind: String, Codable, Sendable {
    /// The state at the sequence's last valid step.
    case last
    /// The mean over the sequence's valid steps.
    case mean
}

/// Masked pooling of a `[steps, batch, width]` batch to `[batch, width]`; padded steps get exactly zero
/// gradient.
public final class SequencePooling<S: BLASScalar> {
    /// The pooling rule.
    public let kind: PoolingKind
    private var lengths: [Int] = []
    private var steps = 0
    private var width = 0

    /// Creates the pooling.
    public init(kind: PoolingKind) { self.kind = kind }

    /// Pools each sequence of `batch` over its valid steps.
    public func forward(_ batch: FrameBatch<S>) -> [S] {
        lengths = batch.lengths
        steps = batch.steps
        width = batch.width
        let b = lengths.count
        var pooled = S.zeros(b * width)
        pooled.withUnsafeMutableBufferPointer { out in
            batch.frames.withUnsafeBufferPointer { frames in
                for s in 0..<b {
                    let target = out.baseAddress! + s * width
                    switch kind {
                    case .last:
                        S.copy(target, from: frames.baseAddress! + ((lengths[s] - 1) * b + s) * width, count: width)
                    case .mean:
                        for t in 0..<lengths[s] {
                            S.kernels.addInPlace(target, frames.baseAddress! + (t * b + s) * width, width)
                        }
                        S.kernels.scale(target, width, 1 / S(lengths[s]))
                    }
                }
            }
        }
        return pooled
    }

    /// Spreads ∂L/∂pooled (`[batch, width]`) back over the valid steps; padded steps get zero.
    public func backward(_ grad: [S]) -> [S] {
        let b = lengths.count
        var out = S.zeros(steps * b * width)
        out.withUnsafeMutableBufferPointer { target in
            grad.withUnsafeBufferPointer { source in
                for s in 0..<b {
                    let row = source.baseAddress! + s * width
                    switch kind {
                    case .last:
                        S.copy(target.baseAddress! + ((lengths[s] - 1) * b + s) * width, from: row, count: width)
                    case .mean:
                        for t in 0..<lengths[s] {
                            let frame = target.baseAddress! + (t * b + s) * width
                            S.copy(frame, from: row, count: width)
                            S.kernels.scale(frame, width, 1 / S(lengths[s]))
                        }
                    }
                }
            }
        }
        return out
    }
}
