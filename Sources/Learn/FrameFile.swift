import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Frames kept on local disk instead of in memory: a file of float32 rows of one width, written once (rows
/// appended in order) and then read at random, a batch at a time, with `pread`.
///
/// Training on a dataset larger than its memory budget reads the shards once into such a file (only the
/// selected columns, uncompressed), then every epoch reads its batches from it: the kernel's page cache, not
/// the process, holds whatever of it fits, so the process's memory stays at its batches and the model while
/// the shuffle stays the full in-memory one. The file is unlinked as soon as it is created, so nothing is
/// left behind when the process ends, however it ends.
public final class FrameFile: @unchecked Sendable {
    /// Floats per row.
    public let width: Int
    /// Where it was created (already unlinked), for messages.
    public let directory: URL
    private let descriptor: Int32
    private var writtenRows = 0
    private let lock = NSLock()

    /// A new, empty file of rows of `width` floats in `directory`.
    /// - Throws: `LearnError.frameFile` with the errno's reason when the directory is missing, read-only or full.
    public init(width: Int, directory: URL) throws {
        self.width = width
        self.directory = directory
        var template = Array(directory.appendingPathComponent("salience-frames.XXXXXX").path.utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw LearnError.frameFile(path: directory.path, reason: String(cString: strerror(errno)))
        }
        unlink(String(cString: template))
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Rows written so far.
    public var rows: Int { lock.withLock { writtenRows } }

    /// Appends `values` (whole rows) and returns the index of the first row written.
    /// - Throws: `LearnError.frameFile` (e.g. "No space left on device").
    @discardableResult
    public func append(_ values: UnsafeBufferPointer<Float>) throws -> Int {
        precondition(values.count % max(width, 1) == 0, "FrameFile.append: not whole rows")
        return try lock.withLock {
            let first = writtenRows
            var offset = off_t(first * width * MemoryLayout<Float>.stride)
            var remaining = UnsafeRawBufferPointer(values)
            while !remaining.isEmpty {
                let written = pwrite(descriptor, remaining.baseAddress!, remaining.count, offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw LearnError.frameFile(path: directory.path, reason: String(cString: strerror(errno)))
                }
                remaining = UnsafeRawBufferPointer(rebasing: remaining[written...])
                offset += off_t(written)
            }
            writtenRows += values.count / max(width, 1)
            return first
        }
    }

    /// Reads rows `rows` into `buffer` (`rows.count * width` floats). Safe from several threads at once.
    public func read(rows: Range<Int>, into buffer: UnsafeMutablePointer<Float>) {
        var offset = off_t(rows.lowerBound * width * MemoryLayout<Float>.stride)
        var remaining = UnsafeMutableRawBufferPointer(
            start: buffer, count: rows.count * width * MemoryLayout<Float>.stride)
        while !remaining.isEmpty {
            let read = pread(descriptor, remaining.baseAddress!, remaining.count, offset)
            // The file is ours, unlinked and written before any read: a failed or short read is a broken
            // machine (an I/O error of the local disk), not an input problem.
            if read < 0 && errno == EINTR { continue }
            precondition(
                read > 0, "FrameFile: cannot read \(directory.path) rows \(rows): \(String(cString: strerror(errno)))")
            remaining = UnsafeMutableRawBufferPointer(rebasing: remaining[read...])
            offset += off_t(read)
        }
    }
}
