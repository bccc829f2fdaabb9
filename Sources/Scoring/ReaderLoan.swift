import Foundation
import Shards

/// Readers a caller lends a pass, each handed over once: the pass takes a shard's reader when it reaches the
/// shard and drops it when it moves on, so an open file, and libhdf5's metadata cache for it, lives only while
/// its shard is read. That cache grows with the chunks a read looks up (about 8 MiB for a 4.3 GB shard of
/// 1024 x 64 tiles), so a pass that kept every lent reader to its end held a sum over the dataset's shards:
/// `salience scores` grew from 132 to 160 MiB between the 1.9 and 15 GB datasets. A later run of the same pass
/// opens the shard again.
final class ReaderLoan: @unchecked Sendable {
    private let lock = NSLock()
    private var readers: [String: ShardReader]

    /// Lends `readers`, by file name.
    init(_ readers: [String: ShardReader]) { self.readers = readers }

    /// The reader of `name`, once; nil when none was lent or it was taken already.
    func take(_ name: String) -> ShardReader? { lock.withLock { readers.removeValue(forKey: name) } }
}
