import Foundation

/// How many elements a dataset of a shard file can hold, from the file's size.
///
/// Why: a dataset's extent is a number in its header. A 12 KB file (found by `ops/fuzz/run shard`) declared
/// `split` with 2^38 elements, and reading it asked for 256 GiB, which kills the worker. Every element is
/// stored in at least one byte, and deflate, the only compression the format allows, cannot shrink data more
/// than 1032:1; so a dataset with more elements than `bytes x 1100` was never written (it can only be
/// unallocated chunks, read back as fill values) and is refused before anything is read.
enum ShardSizeLimit {
    /// The largest ratio of decoded to stored bytes deflate reaches (1032:1), rounded up.
    static let deflateRatio = 1100

    /// The most elements a dataset can hold in a file of `fileBytes` bytes (plus a little slack for tiny files).
    static func maxElements(fileBytes: Int) -> Int {
        let (product, overflow) = max(0, fileBytes).multipliedReportingOverflow(by: deflateRatio)
        return overflow ? Int.max : product + 4096
    }

    /// The element count of `shape`, or nil when it overflows (no file holds that many).
    static func elementCount(_ shape: [Int]) -> Int? {
        var count = 1
        for extent in shape {
            guard extent >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            if overflow { return nil }
            count = product
        }
        return count
    }
}
