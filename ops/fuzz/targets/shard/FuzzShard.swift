// libFuzzer target: the shard reader and validator over mutated small HDF5 files.
//
// Input: the bytes of one `.h5` file (seeds are small valid shards, ops/fuzz/corpus/shard). Each input is
// written to one file in a private directory (on tmpfs when /dev/shm exists) and read the way
// `salience dataset validate` and a worker do: `ShardValidator.validate(shard:)` (header, metadata and every
// frame), then, if valid, `ShardReader` reading all rows. Our Swift must not trap on any file; libhdf5 itself
// is not ours (see ops/fuzz/README.md for what it does on hostile files).
import Foundation
import HDF5
import Shards

let directory: URL = {
    let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    let url = URL(fileURLWithPath: base).appendingPathComponent("salience-fuzz-shard-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()
let shardURL = directory.appendingPathComponent("s.h5")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShard(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard FileManager.default.createFile(atPath: shardURL.path, contents: Data(bytes: data, count: size)) else {
        fatalError("cannot write \(shardURL.path)")
    }
    let problems = ShardValidator.validate(shard: shardURL)
    if problems.isEmpty, let reader = try? ShardReader(url: shardURL) {
        let all = 0..<reader.utteranceCount
        _ = try? reader.readFrames(utterances: all)
        _ = try? reader.readFrames(utterances: all, columns: [reader.dimension - 1, 0])
    }
    return 0
}
