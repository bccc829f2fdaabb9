import Dispatch
import Foundation
import Numerics

/// Data-parallel forward and backward passes over replicas of one decoder, one per thread, with BLAS
/// single-threaded inside each (small GEMMs scale better this way than with OpenBLAS's own threads).
/// Sequence `i` of a batch goes to replica `i % replicas`; replica 0 holds the master parameters, the
/// others get copies after each update, and gradients are summed into the master in replica order, so a
/// run is reproducible bit for bit for a given replica count.
public final class DataParallel {
    /// The replicas; `replicas[0]` is the master whose parameters the optimiser updates.
    public let replicas: [SequenceDecoder<Float>]
    private var shardIndices: [[Int]] = []
    private var outputs = 0

    /// Creates `count` replicas of `master` (which becomes replica 0) and sets OpenBLAS to one thread.
    public init(master: SequenceDecoder<Float>, count: Int) {
        BLASThreads.set(1)
        var all = [master]
        for _ in 1..<max(count, 1) {
            let copy = SequenceDecoder<Float>(config: master.config, seed: 0)
            copy.setStandardization(master.standardization)
            all.append(copy)
        }
        replicas = all
        synchronize()
    }

    /// The master decoder.
    public var master: SequenceDecoder<Float> { replicas[0] }

    /// Copies the master's parameter values (and standardisation) to every other replica.
    public func synchronize() {
        let source = master.parameters
        for replica in replicas.dropFirst() {
            for (target, p) in zip(replica.parameters, source) { target.value = p.value }
            replica.setStandardization(master.standardization)
        }
    }

    /// Runs every replica on its share of `indices` of `set` and returns the outputs in batch order,
    /// `[indices.count, outputCount]`. Dropout masks come from `seeds[k]` for replica k when `training`.
    public func forward(_ set: UtteranceSet, _ indices: [Int], training: Bool, seeds: [UInt64]) -> [Float] {
        let n = replicas.count
        outputs = master.config.outputCount
        shardIndices = (0..<n).map { k in Array(stride(from: k, to: indices.count, by: n)) }
        var shardOutputs = [[Float]](repeating: [], count: n)
        let lock = NSLock()
        DispatchQueue.concurrentPerform(iterations: n) { k in
            let rows = shardIndices[k]
            guard !rows.isEmpty else { return }
            var generator = SeededGenerator(seed: k < seeds.count ? seeds[k] : 0)
            let y = replicas[k].forward(set.batch(rows.map { indices[$0] }), training: training, generator: &generator)
            lock.lock()
            shardOutputs[k] = y
            lock.unlock()
        }
        var result = [Float](repeating: 0, count: indices.count * outputs)
        for k in 0..<n {
            for (slot, row) in shardIndices[k].enumerated() {
                for j in 0..<outputs { result[row * outputs + j] = shardOutputs[k][slot * outputs + j] }
            }
        }
        return result
    }

    /// Back-propagates ∂L/∂outputs (batch order, from the last `forward`) through every replica and sums
    /// the parameter gradients into the master in replica order.
    public func backward(_ gradient: [Float]) {
        let n = replicas.count
        DispatchQueue.concurrentPerform(iterations: n) { k in
            let rows = shardIndices[k]
            guard !rows.isEmpty else { return }
            var shard = [Float](repeating: 0, count: rows.count * outputs)
            for (slot, row) in rows.enumerated() {
                for j in 0..<outputs { shard[slot * outputs + j] = gradient[row * outputs + j] }
            }
            replicas[k].backward(shard)
        }
        let masterParameters = master.parameters
        for replica in replicas.dropFirst() {
            for (target, p) in zip(masterParameters, replica.parameters) {
                target.gradient.withUnsafeMutableBufferPointer { t in
                    p.gradient.withUnsafeBufferPointer {
                        Float.kernels.addInPlace(t.baseAddress!, $0.baseAddress!, t.count)
                    }
                }
                p.zeroGradient()
            }
        }
    }

    /// Evaluation-mode outputs for a whole set, `[count, outputCount]`, in batches of `batchSize`.
    public func predict(_ set: UtteranceSet, batchSize: Int) -> [Float] {
        var out = [Float]()
        var start = 0
        while start < set.count {
            let end = min(start + batchSize, set.count)
            out += forward(set, Array(start..<end), training: false, seeds: [])
            start = end
        }
        return out
    }
}
