import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A worker's local cache of decoded shard frames, so that the grid's many training tasks read a dataset
/// from shared storage once per machine instead of once per task.
///
/// An entry is one shard's `embeddings`, decoded to float32 and stored in blocks of `blockColumns` columns
/// (block b holds rows 0..<F of its columns, row-major), so a selection of k columns reads only the blocks
/// that hold them, from the local disk or the page cache. Entries are named by the shard's path, size,
/// modification time, F and D: a rewritten shard gets a new entry, and the old one ages out.
///
/// Safe when several tasks share the directory (worker processes on one machine): an entry is built under
/// an exclusive `flock` on its lock file, into a temporary file renamed into place when complete, so a
/// reader never sees a partial entry, and a builder killed midway leaves only a temporary file, removed by
/// the next builder. The directory is bounded: after each build, the least recently used entries (by
/// modification time, touched on every use) are removed until the total is under `limitBytes` (an entry
/// in use stays readable: its readers hold it open).
public final class ColumnCache: @unchecked Sendable {
    /// Columns per block: one chunk column block of Salience's default tiles, and 256 KiB per 1024 rows.
    public static let blockColumns = 64

    public let directory: URL
    public let limitBytes: Int

    /// A cache in `directory` (created if missing) holding at most about `limitBytes`.
    /// - Throws: `ShardError` naming the directory when it cannot be created.
    public init(directory: URL, limitBytes: Int) throws {
        self.directory = directory
        self.limitBytes = limitBytes
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ShardError(file: directory.path, message: "cannot create the cache directory: \(error)")
        }
    }

    /// The cached frames of `reader`'s shard, building the entry first when it is missing or stale
    /// (`created`: this call read the shard to build it).
    /// - Throws: `ShardError` for a cache directory that cannot hold the entry (missing, read-only, full),
    ///   naming it and the reason; the shard's own read errors while building.
    public func entry(for reader: ShardReader) throws -> (entry: CachedShard, created: Bool) {
        let name = try Self.entryName(reader)
        let path = directory.appendingPathComponent(name + ".cols").path
        if let entry = try CachedShard(path: path, reader: reader) {
            touch(path)
            return (entry, false)
        }
        let lockPath = directory.appendingPathComponent(name + ".lock").path
        let lock = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw failure("cannot open \(lockPath)", errno) }
        defer { close(lock) }
        while flock(lock, LOCK_EX) != 0 {
            guard errno == EINTR else { throw failure("cannot lock \(lockPath)", errno) }
        }
        defer { flock(lock, LOCK_UN) }
        // Another task may have built it while this one waited for the lock.
        if let entry = try CachedShard(path: path, reader: reader) {
            touch(path)
            return (entry, false)
        }
        removePartials(of: name)
        let temporary = path + ".partial-\(getpid())"
        try build(reader, at: temporary)
        guard rename(temporary, path) == 0 else {
            let error = errno
            unlink(temporary)
            throw failure("cannot rename \(temporary)", error)
        }
        evict(keeping: path)
        guard let entry = try CachedShard(path: path, reader: reader) else {
            throw ShardError(file: path, message: "the cache entry just written does not read back")
        }
        return (entry, true)
    }

    /// `<hash of path>-<size>-<mtime>-<F>x<D>[-l<layers>]`: a new name whenever the shard or the layers change.
    static func entryName(_ reader: ShardReader) throws -> String {
        var info = stat()
        guard stat(reader.url.path, &info) == 0 else {
            throw ShardError(file: reader.url.path, message: "cannot stat: \(String(cString: strerror(errno)))")
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325  // FNV-1a of the absolute path
        for byte in reader.url.standardizedFileURL.path.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(format: "%016llx", hash) + "-\(info.st_size)-\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
            + "-\(reader.frameCount)x\(reader.dimension)"
            // Two layer subsets of one shard can have the same width; their entries must differ.
            + (reader.header.formatVersion == ShardFormat.version
                ? "" : "-l" + reader.layers.map { String($0.number) }.joined(separator: "."))
    }

    /// Writes the entry: the shard read in runs of whole rows, each run scattered into the column blocks.
    private func build(_ reader: ShardReader, at path: String) throws {
        let descriptor = open(path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("cannot create \(path)", errno) }
        var complete = false
        defer {
            close(descriptor)
            if !complete { unlink(path) }
        }
        let frames = reader.frameCount
        let width = reader.dimension
        let blocks = (width + Self.blockColumns - 1) / Self.blockColumns
        let rowsPerRead = max(1, (16 << 20) / max(1, width * 4))
        var header = CachedShard.Header(frames: frames, dimension: width, blockColumns: Self.blockColumns)
        try write(descriptor, &header, count: MemoryLayout<CachedShard.Header>.size, at: 0, path: path)
        for range in UtteranceBlocks.ranges(offsets: reader.offsets, rowsPerBlock: rowsPerRead) {
            let block = try reader.readFrames(utterances: range, columns: nil)
            let rows = block.rowOffsets.last ?? 0
            let row0 = reader.offsets[range.lowerBound]
            var piece = [Float]()
            for b in 0..<blocks {
                let columns = (b * Self.blockColumns)..<min(width, (b + 1) * Self.blockColumns)
                piece.removeAll(keepingCapacity: true)
                for r in 0..<rows {
                    piece.append(
                        contentsOf: block.values[(r * width + columns.lowerBound)..<(r * width + columns.upperBound)])
                }
                let offset = CachedShard.offset(block: b, row: row0, frames: frames, width: width)
                try piece.withUnsafeMutableBytes { bytes in
                    try write(descriptor, bytes.baseAddress!, count: bytes.count, at: offset, path: path)
                }
            }
        }
        complete = true
    }

    private func write(
        _ descriptor: Int32, _ pointer: UnsafeRawPointer, count: Int, at offset: Int, path: String
    ) throws {
        var done = 0
        while done < count {
            let written = pwrite(descriptor, pointer + done, count - done, off_t(offset + done))
            if written < 0 {
                if errno == EINTR { continue }
                throw failure("cannot write \(path)", errno)
            }
            done += written
        }
    }

    private func touch(_ path: String) { utimes(path, nil) }

    private func removePartials(of name: String) {
        let partials = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        for file in partials where file.hasPrefix(name + ".cols.partial-") {
            unlink(directory.appendingPathComponent(file).path)
        }
    }

    /// Removes the least recently used entries until the cache holds at most `limitBytes` (never `kept`).
    private func evict(keeping kept: String) {
        let keys: [URLResourceKey] = [.contentModificationDateKey, .fileSizeKey]
        guard
            let files = try? FileManager.default.contentsOfDirectory(
                at: directory, includingPropertiesForKeys: keys)
        else { return }
        var entries = files.filter { $0.pathExtension == "cols" }.compactMap { url -> (URL, Date, Int)? in
            guard let values = try? url.resourceValues(forKeys: Set(keys)) else { return nil }
            return (url, values.contentModificationDate ?? .distantPast, values.fileSize ?? 0)
        }
        var total = entries.reduce(0) { $0 + $1.2 }
        entries.sort { $0.1 < $1.1 }
        for (url, _, size) in entries where total > limitBytes && url.path != kept {
            unlink(url.path)
            unlink(url.deletingPathExtension().appendingPathExtension("lock").path)
            total -= size
        }
    }

    private func failure(_ what: String, _ code: Int32) -> ShardError {
        ShardError(file: directory.path, message: "cache: \(what): \(String(cString: strerror(code)))")
    }
}

/// One shard's frames as the cache holds them: decoded float32 in column blocks.
public final class CachedShard: @unchecked Sendable {
    struct Header {
        var magic: UInt64 = 0x5341_4C43_4F4C_5331  // "SALCOLS1"
        var frames: Int64
        var dimension: Int64
        var blockColumns: Int64

        init(frames: Int, dimension: Int, blockColumns: Int) {
            self.frames = Int64(frames)
            self.dimension = Int64(dimension)
            self.blockColumns = Int64(blockColumns)
        }
    }

    let path: String
    private let descriptor: Int32
    let frames: Int
    let width: Int
    let blockColumns: Int

    /// The entry at `path` for `reader`'s shard, or nil when there is none or it does not match (a wrong
    /// header or size: a foreign or damaged file, rebuilt by the caller).
    init?(path: String, reader: ShardReader) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var header = Header(frames: 0, dimension: 0, blockColumns: 0)
        let expected = Header(
            frames: reader.frameCount, dimension: reader.dimension, blockColumns: ColumnCache.blockColumns)
        var info = stat()
        let size =
            MemoryLayout<Header>.size + reader.frameCount * reader.dimension * MemoryLayout<Float>.stride
        guard pread(fd, &header, MemoryLayout<Header>.size, 0) == MemoryLayout<Header>.size,
            header.magic == expected.magic, header.frames == expected.frames,
            header.dimension == expected.dimension, header.blockColumns == expected.blockColumns,
            fstat(fd, &info) == 0, Int(info.st_size) == size
        else {
            close(fd)
            return nil
        }
        self.path = path
        descriptor = fd
        frames = reader.frameCount
        width = reader.dimension
        blockColumns = ColumnCache.blockColumns
    }

    deinit { close(descriptor) }

    /// Where row `row` of block `block` starts in the file.
    static func offset(block: Int, row: Int, frames: Int, width: Int) -> Int {
        let columns = min(ColumnCache.blockColumns, width - block * ColumnCache.blockColumns)
        return MemoryLayout<Header>.size
            + (block * ColumnCache.blockColumns * frames + row * columns) * MemoryLayout<Float>.stride
    }

    /// Rows `rows`, only `columns` (ascending or not; all when nil), row-major `rows.count x columns.count`:
    /// reads only the blocks that hold them.
    public func read(rows: Range<Int>, columns: [Int]?) -> [Float] {
        let wanted = columns ?? Array(0..<width)
        var out = [Float](repeating: 0, count: rows.count * wanted.count)
        var byBlock: [Int: [(position: Int, column: Int)]] = [:]
        for (position, column) in wanted.enumerated() {
            byBlock[column / blockColumns, default: []].append((position, column % blockColumns))
        }
        var buffer = [Float]()
        for (block, picks) in byBlock.sorted(by: { $0.key < $1.key }) {
            let blockWidth = min(blockColumns, width - block * blockColumns)
            buffer = [Float](repeating: 0, count: rows.count * blockWidth)
            let offset = Self.offset(block: block, row: rows.lowerBound, frames: frames, width: width)
            buffer.withUnsafeMutableBytes { bytes in
                var done = 0
                while done < bytes.count {
                    let read = pread(descriptor, bytes.baseAddress! + done, bytes.count - done, off_t(offset + done))
                    if read < 0 && errno == EINTR { continue }
                    // Checked at open: the entry has its full size. A failed read is the local disk failing.
                    precondition(read > 0, "cache entry \(path): cannot read: \(String(cString: strerror(errno)))")
                    done += read
                }
            }
            for r in 0..<rows.count {
                for (position, column) in picks {
                    out[r * wanted.count + position] = buffer[r * blockWidth + column]
                }
            }
        }
        return out
    }
}
