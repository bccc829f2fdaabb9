import ArgumentParser
import Dispatch
import Foundation
import Shards

/// `salience dataset read-bench SHARD`: measures reading all rows and column subsets of one shard.
struct DatasetReadBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "read-bench",
        abstract: "Measure how fast Salience reads a shard: all columns, a contiguous and a scattered subset.",
        discussion: """
            Reads every frame of the shard in blocks of about --frames-per-read frames, three times: all \
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

    @Option(help: "Frames per read.")
    var framesPerRead = 16_384

    func validate() throws {
        guard fraction > 0, fraction <= 1 else { throw ValidationError("--fraction must be in (0, 1]") }
        guard framesPerRead > 0 else { throw ValidationError("--frames-per-read must be > 0") }
    }

    func run() throws {
        let reader = try ShardReader(url: URL(fileURLWithPath: shard))
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
            var checksum: Double = 0
            var values = 0
            var first = 0
            while first < reader.utteranceCount {
                var last = first + 1
                while last < reader.utteranceCount && reader.offsets[last + 1] - reader.offsets[first] <= framesPerRead
                {
                    last += 1
                }
                let block = try reader.readFrames(utterances: first..<last, columns: columns)
                checksum += Double(block.values[0])
                values += block.values.count
                first = last
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let gigabytes = Double(values * 4) / 1e9
            print(
                String(
                    format: "salience %-10@ columns=%4d  %.3f GB in %.2f s  %.2f GB/s  (checksum %.3f)",
                    name as NSString, columns?.count ?? d, gigabytes, seconds, gigabytes / seconds, checksum))
        }
    }
}
