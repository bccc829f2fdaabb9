import Foundation
import HDF5

/// Two shards written with plain HDF5 calls (the shard writer refuses non-finite frames): `a.h5` clean,
/// `b.h5` with a NaN at `nan` and an infinity at `infinity` (frame, column), 3-frame utterances of 4 columns,
/// chunks of `chunkRows` frames. For the tests of the first failure a streaming pass reports.
public enum NonFiniteShards {
    /// Writes `a.h5` and `b.h5` into `directory`.
    public static func write(
        in directory: URL, frames: Int, chunkRows: Int, nan: (Int, Int), infinity: (Int, Int)
    ) throws {
        let offsets = [Int64](stride(from: 0, through: frames, by: 3).map { Int64($0) })
        let count = offsets.count - 1
        for name in ["a.h5", "b.h5"] {
            var values = (0..<(frames * 4)).map { Float(($0 * 7919) % 1000) / 1000 }
            if name == "b.h5" {
                values[nan.0 * 4 + nan.1] = .nan
                values[infinity.0 * 4 + infinity.1] = .infinity
            }
            let file = try File.create(directory.appendingPathComponent(name).path)
            try file.writeAttribute("salience_format", .string("embedding-shard"))
            try file.writeAttribute("format_version", .int(1))
            try file.writeAttribute("encoder", .string("test"))
            try file.writeAttribute("task", .string("regression"))
            try file.writeAttribute("targets", .strings(["v"]))
            try file.writeDataset(
                "embeddings", values, shape: [frames, 4],
                layout: DatasetLayout(chunk: [chunkRows, 4], gzipLevel: 1, shuffle: true))
            try file.writeDataset("offsets", offsets)
            try file.writeStrings("ids", (0..<count).map { "\(name)-\($0)" })
            try file.writeDataset("split", [UInt8](repeating: 0, count: count))
            try file.writeDataset("labels", (0..<count).map { Float($0 % 17) }, shape: [count, 1])
        }
    }
}
