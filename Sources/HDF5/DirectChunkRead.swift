import CHDF5
import CLibDeflate
import Dispatch
import Foundation

/// How a chunked 2-D float dataset can be read without libhdf5's filter pipeline: each chunk's stored bytes
/// are fetched with `H5Dread_chunk` and decoded here (zlib inflate with libdeflate, then byte unshuffle).
///
/// Why: libhdf5 runs every call, its filter pipeline included, behind one global lock, so threads reading
/// gzip-compressed shards decompress on one core at a time, and its inflate is zlib's. Fetching a chunk's
/// bytes holds the lock only for a copy; the decoding then runs on every core at once.
///
/// It covers the layouts Salience writes and h5py's defaults: float32 or IEEE float16, little-endian, with
/// gzip, shuffle + gzip, or no filter. Any other layout (other filters, big-endian, other types) has no plan,
/// and the dataset is read through `H5Dread` as before.
struct DirectChunkPlan: Equatable {
    /// Rows, columns and element size of the dataset, as checked by `FloatMatrixShape`.
    var shape: FloatMatrixShape
    var rows: Int { shape.rows }
    var columns: Int { shape.columns }
    /// Bytes per stored element: 4 (float32) or 2 (float16).
    var elementSize: Int { shape.elementSize }
    /// Rows and columns of one chunk (edge chunks are stored at full size too).
    var chunkRows: Int
    var chunkColumns: Int
    /// Position of the shuffle and deflate filters in the pipeline (bit `i` of a chunk's filter mask set
    /// means filter `i` was skipped for that chunk), or nil when the filter is absent.
    var shuffleIndex: Int?
    var deflateIndex: Int?

    /// Bytes of one decoded chunk.
    var chunkBytes: Int { chunkRows * chunkColumns * elementSize }

    /// The plan for `dataset`, or nil when its layout is not one this reader decodes.
    static func make(for dataset: hid_t) -> DirectChunkPlan? {
        guard let shape = FloatMatrixShape.of(dataset) else { return nil }

        let creation = H5Dget_create_plist(dataset)
        guard creation >= 0 else { return nil }
        defer { H5Pclose(creation) }
        guard H5Pget_layout(creation) == H5D_CHUNKED else { return nil }
        var chunk: [hsize_t] = [0, 0]
        guard H5Pget_chunk(creation, 2, &chunk) == 2, let chunkRows = Int(exactly: chunk[0]),
            let chunkColumns = Int(exactly: chunk[1]), chunkRows > 0, chunkColumns > 0,
            !chunkRows.multipliedReportingOverflow(by: chunkColumns * shape.elementSize).overflow
        else { return nil }

        // Only shuffle then deflate, in the order HDF5 applies them on write.
        let filterCount = Int(H5Pget_nfilters(creation))
        var plan = DirectChunkPlan(
            shape: shape, chunkRows: chunkRows, chunkColumns: chunkColumns, shuffleIndex: nil, deflateIndex: nil)
        for index in 0..<max(filterCount, 0) {
            var flags: UInt32 = 0
            var valueCount = 8
            var values = [UInt32](repeating: 0, count: 8)
            var config: UInt32 = 0
            switch H5Pget_filter2(creation, UInt32(index), &flags, &valueCount, &values, 0, nil, &config) {
            case H5Z_FILTER_SHUFFLE where plan.shuffleIndex == nil && plan.deflateIndex == nil:
                plan.shuffleIndex = index
            case H5Z_FILTER_DEFLATE where plan.deflateIndex == nil:
                plan.deflateIndex = index
            default:
                return nil
            }
        }
        return plan
    }
}

/// One stored chunk as fetched: its grid position, bytes, and which filters were skipped for it.
struct StoredChunk {
    var chunkRow: Int
    var chunkColumn: Int
    var bytes: [UInt8]
    var filterMask: UInt32
}

extension Dataset {
    /// Reads rows `rows` of `columns` (any order, repeats allowed) into `output`, row-major
    /// `[rows.count, columns.count]`, by fetching the chunks they touch under libhdf5's lock and decoding them
    /// outside it, `concurrency` chunks at a time; each decoded chunk's values go straight to their output
    /// places. Returns false, having written nothing, when a chunk is not allocated (the fill value would be
    /// needed): the caller reads through `H5Dread`.
    func readDirect(
        plan: DirectChunkPlan, rows: Range<Int>, columns: [Int], into output: UnsafeMutablePointer<Float>,
        concurrency: Int
    ) throws -> Bool {
        guard !rows.isEmpty, !columns.isEmpty else { return true }
        let width = columns.count
        let runs = ColumnRuns(columns: columns, chunkColumns: plan.chunkColumns)
        let chunkRowRange = (rows.lowerBound / plan.chunkRows)...((rows.upperBound - 1) / plan.chunkRows)
        let chunkColumns = runs.chunkColumns

        // Which chunks, and whether each was ever written: an unwritten chunk fails here ("chunk storage is
        // not allocated") or reports 0 bytes; its values are the fill value, which H5Dread supplies.
        HDF5Library.prepareThread()
        var wanted: [(chunkRow: Int, chunkColumn: Int, size: Int)] = []
        wanted.reserveCapacity(chunkRowRange.count * chunkColumns.count)
        for chunkRow in chunkRowRange {
            for chunkColumn in chunkColumns {
                var offset = [hsize_t(chunkRow * plan.chunkRows), hsize_t(chunkColumn * plan.chunkColumns)]
                var size: hsize_t = 0
                if H5Dget_chunk_storage_size(id, &offset, &size) < 0 || size == 0 {
                    _ = HDF5Error.takeErrorStack()
                    return false
                }
                wanted.append((chunkRow, chunkColumn, Int(size)))
            }
        }

        // A read that starts in the chunk row the previous one ended inside takes those chunks as they were
        // decoded; this read keeps its own last row when it ends inside it. Reads that walk a dataset in
        // blocks of rows (every pass does) then decode each chunk once, whatever the block size.
        let firstRow = chunkRowRange.lowerBound
        let kept = decodedChunks.take(row: firstRow, plan: plan)
        if !kept.isEmpty {
            for (column, bytes) in kept {
                let chunk = StoredChunk(chunkRow: firstRow, chunkColumn: column, bytes: [], filterMask: 0)
                Self.scatter(
                    bytes, plan: plan, chunk: chunk, rows: rows, runs: runs.runs[column] ?? [], width: width,
                    into: output)
            }
            wanted.removeAll { $0.chunkRow == firstRow && kept[$0.chunkColumn] != nil }
        }
        let lastRow = chunkRowRange.upperBound
        let keepLastRow = rows.upperBound < min(plan.rows, (lastRow + 1) * plan.chunkRows)
        decodedChunks.begin(row: keepLastRow ? lastRow : nil, plan: plan)
        // A read that starts and ends inside one chunk row hands what it took on to the next read as well.
        if keepLastRow && lastRow == firstRow {
            for (column, bytes) in kept { decodedChunks.keep(row: lastRow, column: column, plan: plan, bytes) }
        }
        if wanted.isEmpty { return true }

        // Each thread fetches a chunk (a short critical section in libhdf5), decodes it outside the lock and
        // copies it to its place (chunks cover disjoint parts of the output), then takes the next: fetching
        // overlaps decoding, and only one compressed chunk per thread is held at a time.
        let failures = ChunkFailures()
        let workers = max(1, min(concurrency, wanted.count))
        let outputAddress = Int(bitPattern: output)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            HDF5Library.prepareThread()
            guard let decompressor = libdeflate_alloc_decompressor() else {
                failures.set(worker, "libdeflate could not allocate a decompressor")
                return
            }
            defer { libdeflate_free_decompressor(decompressor) }
            // Every byte is written by the inflate or unshuffle before it is read: no need to zero them.
            var decoded = [UInt8](unsafeUninitializedCapacity: plan.chunkBytes) { $1 = plan.chunkBytes }
            var unshuffled = [UInt8](unsafeUninitializedCapacity: plan.chunkBytes) { $1 = plan.chunkBytes }
            let output = UnsafeMutablePointer<Float>(bitPattern: outputAddress)!
            for index in stride(from: worker, to: wanted.count, by: workers) {
                let chunk: StoredChunk
                do {
                    let (row, column, size) = wanted[index]
                    chunk = try fetchChunk(row: row, column: column, size: size, plan: plan)
                } catch {
                    failures.set(index, "\(error)")
                    continue
                }
                let kept = keepLastRow && chunk.chunkRow == lastRow
                // A shuffled float32 chunk that is not kept whole is unshuffled straight into its output
                // places: one pass over its bytes instead of an unshuffle and a copy.
                let fused = plan.elementSize == 4 && !kept && plan.isShuffled(chunk)
                if let problem = Self.decode(
                    chunk, plan: plan, decompressor, &decoded, &unshuffled, unshuffle: !fused)
                {
                    failures.set(index, problem)
                    continue
                }
                let columnRuns = runs.runs[chunk.chunkColumn] ?? []
                if fused {
                    Self.scatterUnshuffling(
                        unshuffled, plan: plan, chunk: chunk, rows: rows, runs: columnRuns, width: width, into: output)
                } else {
                    Self.scatter(
                        decoded, plan: plan, chunk: chunk, rows: rows, runs: columnRuns, width: width, into: output)
                }
                if kept { decodedChunks.keep(row: lastRow, column: chunk.chunkColumn, plan: plan, decoded) }
            }
        }
        if let (index, problem) = failures.first {
            let firstRow = wanted[index].chunkRow * plan.chunkRows
            let firstColumn = wanted[index].chunkColumn * plan.chunkColumns
            throw HDF5Error(
                .library, operation: "decode a stored chunk of", path: qualifiedPath,
                messages: [
                    "chunk at rows \(firstRow)..<\(firstRow + plan.chunkRows), columns "
                        + "\(firstColumn)..<\(firstColumn + plan.chunkColumns): \(problem)"
                ])
        }
        return true
    }

    /// The `size` stored bytes of chunk (`row`, `column`) of the chunk grid, as `H5Dread_chunk` gives them.
    private func fetchChunk(row: Int, column: Int, size: Int, plan: DirectChunkPlan) throws -> StoredChunk {
        var offset = [hsize_t(row * plan.chunkRows), hsize_t(column * plan.chunkColumns)]
        var mask: UInt32 = 0
        let bytes = try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialised in
            try checked(
                H5Dread_chunk(id, CHDF5_P_DEFAULT(), &offset, &mask, buffer.baseAddress),
                "read a stored chunk of", qualifiedPath)
            initialised = size
        }
        return StoredChunk(chunkRow: row, chunkColumn: column, bytes: bytes, filterMask: mask)
    }

    /// Undoes the chunk's filters into `decoded` (full chunk size); returns why it could not, or nil. With
    /// `unshuffle` false a shuffled chunk is left inflated but shuffled, in `scratch`, for
    /// `scatterUnshuffling`.
    private static func decode(
        _ chunk: StoredChunk, plan: DirectChunkPlan, _ decompressor: OpaquePointer, _ decoded: inout [UInt8],
        _ scratch: inout [UInt8], unshuffle unshuffleNow: Bool = true
    ) -> String? {
        let inflate = plan.deflateIndex.map { chunk.filterMask & (1 << UInt32($0)) == 0 } ?? false
        let unshuffle = plan.isShuffled(chunk)
        // With shuffle, inflate into the scratch buffer, then unshuffle into `decoded`.
        if inflate {
            var produced = 0
            let problem =
                unshuffle
                ? chunk.bytes.withUnsafeBytes { Self.inflate(decompressor, $0, into: &scratch, produced: &produced) }
                : chunk.bytes.withUnsafeBytes { Self.inflate(decompressor, $0, into: &decoded, produced: &produced) }
            if let problem { return problem }
            if produced != plan.chunkBytes {
                return "inflates to \(produced) bytes, expected \(plan.chunkBytes)"
            }
        } else {
            guard chunk.bytes.count == plan.chunkBytes else {
                return "stored unfiltered as \(chunk.bytes.count) bytes, expected \(plan.chunkBytes)"
            }
            if unshuffle { scratch = chunk.bytes } else { decoded = chunk.bytes }
        }
        if unshuffle && unshuffleNow { Self.unshuffle(scratch, elementSize: plan.elementSize, into: &decoded) }
        return nil
    }

    /// zlib-inflates `input` into `output`; returns libdeflate's complaint, or nil.
    private static func inflate(
        _ decompressor: OpaquePointer, _ input: UnsafeRawBufferPointer, into output: inout [UInt8],
        produced: inout Int
    ) -> String? {
        let result = output.withUnsafeMutableBytes { out in
            libdeflate_zlib_decompress(
                decompressor, input.baseAddress, input.count, out.baseAddress, out.count, &produced)
        }
        switch result {
        case LIBDEFLATE_SUCCESS: return nil
        case LIBDEFLATE_BAD_DATA: return "the compressed bytes are corrupt (zlib stream does not inflate)"
        case LIBDEFLATE_INSUFFICIENT_SPACE: return "inflates to more than the chunk's \(output.count) bytes"
        default: return "libdeflate failed (result \(result.rawValue))"
        }
    }

    /// HDF5's shuffle filter stores byte `b` of every element together; this puts them back.
    static func unshuffle(_ shuffled: [UInt8], elementSize: Int, into output: inout [UInt8]) {
        let elements = shuffled.count / elementSize
        shuffled.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                let planes = source.baseAddress!
                switch elementSize {
                case 4:
                    UnsafeMutableRawPointer(target.baseAddress!).withMemoryRebound(to: UInt32.self, capacity: elements)
                    {
                        assembleWords(planes: planes, planeLength: elements, from: 0, count: elements, into: $0)
                    }
                case 2:
                    let (p0, p1) = (planes, planes + elements)
                    UnsafeMutableRawPointer(target.baseAddress!).withMemoryRebound(to: UInt16.self, capacity: elements)
                    {
                        words in
                        for element in 0..<elements {
                            words[element] = UInt16(littleEndian: UInt16(p0[element]) | UInt16(p1[element]) << 8)
                        }
                    }
                default:
                    for byte in 0..<elementSize {
                        let plane = planes + byte * elements
                        var out = target.baseAddress! + byte
                        for element in 0..<elements {
                            out.pointee = plane[element]
                            out += elementSize
                        }
                    }
                }
                // Bytes past the last whole element are stored as they are.
                let tail = elements * elementSize
                for index in tail..<shuffled.count { target[index] = source[index] }
            }
        }
    }

    /// Copies the part of a decoded chunk that falls in `rows` to the output, run by run of columns.
    private static func scatter(
        _ decoded: [UInt8], plan: DirectChunkPlan, chunk: StoredChunk, rows: Range<Int>, runs: [ColumnRun],
        width: Int, into output: UnsafeMutablePointer<Float>
    ) {
        let firstRow = chunk.chunkRow * plan.chunkRows
        let chunkRowsHere = max(firstRow, rows.lowerBound)..<min(firstRow + plan.chunkRows, rows.upperBound)
        decoded.withUnsafeBytes { raw in
            for row in chunkRowsHere {
                let sourceRow = (row - firstRow) * plan.chunkColumns
                let targetRow = output + (row - rows.lowerBound) * width
                for run in runs {
                    let target = targetRow + run.output
                    if plan.elementSize == 4 && run.count == 1 {
                        target.pointee = raw.load(fromByteOffset: (sourceRow + run.local) * 4, as: Float.self)
                    } else if plan.elementSize == 4 {
                        UnsafeMutableRawPointer(target).copyMemory(
                            from: raw.baseAddress! + (sourceRow + run.local) * 4, byteCount: run.count * 4)
                    } else {
                        let halves = raw.baseAddress! + (sourceRow + run.local) * 2
                        for column in 0..<run.count {
                            let bits = halves.loadUnaligned(fromByteOffset: column * 2, as: UInt16.self)
                            target[column] = Float(Float16(bitPattern: UInt16(littleEndian: bits)))
                        }
                    }
                }
            }
        }
    }
}

extension DirectChunkPlan {
    /// Whether `chunk` went through the shuffle filter (its bit in the filter mask is clear).
    func isShuffled(_ chunk: StoredChunk) -> Bool {
        shuffleIndex.map { chunk.filterMask & (1 << UInt32($0)) == 0 } ?? false
    }
}

extension Dataset {
    /// `scatter` for a float32 chunk still in shuffled order: each wanted element is assembled from its four
    /// byte planes and stored in its output place, so the chunk is not unshuffled whole and then copied.
    /// Rows past the dataset's end in an edge chunk, and columns not asked for, are never touched.
    static func scatterUnshuffling(
        _ shuffled: [UInt8], plan: DirectChunkPlan, chunk: StoredChunk, rows: Range<Int>, runs: [ColumnRun],
        width: Int, into output: UnsafeMutablePointer<Float>
    ) {
        let elements = plan.chunkRows * plan.chunkColumns
        let firstRow = chunk.chunkRow * plan.chunkRows
        let chunkRowsHere = max(firstRow, rows.lowerBound)..<min(firstRow + plan.chunkRows, rows.upperBound)
        shuffled.withUnsafeBufferPointer { source in
            let planes = source.baseAddress!
            let target = UnsafeMutableRawPointer(output).assumingMemoryBound(to: UInt32.self)
            for row in chunkRowsHere {
                let sourceRow = (row - firstRow) * plan.chunkColumns
                let targetRow = target + (row - rows.lowerBound) * width
                for run in runs {
                    assembleWords(
                        planes: planes, planeLength: elements, from: sourceRow + run.local, count: run.count,
                        into: targetRow + run.output)
                }
            }
        }
    }
}

/// Puts `count` float32 elements of a shuffled chunk back together, from element `first` on: byte `b` of
/// element `e` is at `planes[b * planeLength + e]`. Whole elements are assembled in registers, so the compiler
/// vectorises the loop. Shared by the whole-chunk unshuffle and the scatter that unshuffles in place.
@inline(__always)
func assembleWords(
    planes: UnsafePointer<UInt8>, planeLength: Int, from first: Int, count: Int,
    into words: UnsafeMutablePointer<UInt32>
) {
    let (p0, p1, p2, p3) = (
        planes + first, planes + planeLength + first, planes + 2 * planeLength + first, planes + 3 * planeLength + first
    )
    for k in 0..<count {
        words[k] = UInt32(
            littleEndian: UInt32(p0[k]) | UInt32(p1[k]) << 8 | UInt32(p2[k]) << 16 | UInt32(p3[k]) << 24)
    }
}

/// The decoded chunks of the chunk row a direct read of a dataset ended inside, for the read that follows.
final class DecodedChunkRow: @unchecked Sendable {
    private let lock = NSLock()
    private var row: Int?
    private var plan: DirectChunkPlan?
    private var chunks: [Int: [UInt8]] = [:]
    private var handedOver = 0

    /// Chunks handed to a following read so far (each one an inflate saved).
    var reused: Int { lock.withLock { handedOver } }

    /// The kept chunks of `row` decoded under `plan`, by chunk column (empty when another row is kept);
    /// they are handed over, not kept twice.
    func take(row: Int, plan: DirectChunkPlan) -> [Int: [UInt8]] {
        lock.withLock {
            guard self.row == row, self.plan == plan else { return [:] }
            defer { chunks = [:] }
            handedOver += chunks.count
            return chunks
        }
    }

    /// Drops what is kept and starts keeping the chunks of `row` (nothing when nil).
    func begin(row: Int?, plan: DirectChunkPlan) {
        lock.withLock {
            self.row = row
            self.plan = plan
            chunks = [:]
        }
    }

    /// Keeps a decoded chunk of `row` if that is the row being kept (another read of the same dataset on
    /// another thread may have begun keeping a different one since).
    func keep(row: Int, column: Int, plan: DirectChunkPlan, _ decoded: [UInt8]) {
        lock.withLock {
            if self.row == row && self.plan == plan { chunks[column] = decoded }
        }
    }
}

/// The first decoding failure per chunk, written from the decoding threads.
private final class ChunkFailures: @unchecked Sendable {
    private let lock = DispatchQueue(label: "salience.hdf5.chunk-failures")
    private var problems: [Int: String] = [:]

    func set(_ index: Int, _ problem: String) { lock.sync { problems[index] = problem } }

    /// The failure with the lowest chunk index, so the error does not depend on thread timing.
    var first: (Int, String)? { lock.sync { problems.min { $0.key < $1.key }.map { ($0.key, $0.value) } } }
}
