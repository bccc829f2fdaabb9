import ArgumentParser
import Dispatch
import Foundation
import Scoring
import Shards

/// `salience dataset read-bench SHARD`: measures reading all rows and column subsets of one shard.
struct DatasetReadBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-bench",
        abstract: "Measure how fast Salience reads a shard: all columns, a contiguous and a scattered subset.",
        discussion: """
            Streams every frame of the shard through the statistics pass (read, decode, check, pool), three times: all \
            columns, the first --fraction of the columns (a dimension block), and every other column \
            scattered over the width with the same count. Prints seconds and GB/s of float32 values \
            delivered. Used by ops/bench/shard-read next to h5py.

            Example:
              salience dataset read-bench big/synthetic-000.h5 --fraction 0.4
            """)

    @Argument(help: "The shard to read.")
    var shard: String

    @Option(help: "Fraction of the columns in the subsets.")
    var fraction = 0.4

    @Option(help: "Frames per read (rounded to whole chunk rows, as the statistics pass reads).")
    var framesPerRead = ShardPass.framesPerUnit

    @Option(help: "Threads of the pass (each reads, decodes, checks and pools its own units).")
    var threads = 1

    func validate() throws {
        guard fraction > 0, fraction <= 1 else { throw ValidationError("--fraction must be in (0, 1]") }
        guard framesPerRead > 0 else { throw ValidationError("--frames-per-read must be > 0") }
        guard threads > 0 else { throw ValidationError("--threads must be > 0") }
    }

    func run() throws {
        let url = URL(fileURLWithPath: shard)
        let reader = try ShardReader(url: url)
        let d = reader.dimension
        let count = max(1, Int((Double(d) * fraction).rounded()))
        let contiguous = Array(0..<count)
        // Evenly spread columns: the worst case for tiles, since every column block is touched.
        let scattered = (0..<count).map { $0 * d / count }
        print("shard \(shard): F=\(reader.frameCount) D=\(d) chunk=\(reader.header.embeddingChunk ?? [])")
        for (name, columns) in [("all", nil), ("contiguous", contiguous), ("scattered", scattered)]
            as [(String, [Int]?)]
        {
            let start = DispatchTime.now().uptimeNanoseconds
            // The statistics pass itself (every split, pooled per utterance), so the figure is what
            // `salience scores` and the cluster's statistics tasks get from the same shard.
            let total = Total()
            var decoded = 0
            for split in Split.allCases {
                let pass = ShardPass(
                    sources: [PassSource(url: url)], opened: [url.lastPathComponent: reader], split: split,
                    pooling: .utterance, threads: threads, framesPerRead: framesPerRead)
                try pass.run(
                    columns: columns,
                    compute: { batch in (batch.count > 0 ? batch.features[0] : 0, batch.count) },
                    merge: { first, _ in total.checksum += first })
                decoded += pass.bytesRead
            }
            let checksum = total.checksum
            let values = reader.frameCount * (columns?.count ?? d)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let gigabytes = Double(values * 4) / 1e9
            // Each split's pass reads every unit holding one of its utterances, so where splits interleave
            // the three passes decode the shard up to three times: both figures are printed.
            print(
                String(
                    format: "salience %-10@ columns=%4d  %.3f GB in %.2f s  %.2f GB/s  (checksum %.3f; "
                        + "%.3f GB decoded by the 3 split passes, %.2f GB/s)",
                    name as NSString, columns?.count ?? d, gigabytes, seconds, gigabytes / seconds, checksum,
                    Double(decoded) / 1e9, Double(decoded) / 1e9 / seconds))
        }
    }
}

/// The pass's running checksum, touched only by its merge (one at a time).
private final class Total: @unchecked Sendable {
    var checksum: Double = 0
}
