import CHDF5

#if canImport(Glibc)
    import Glibc
#endif

/// A compression or reorganisation filter applied to a chunked dataset.
public enum Filter: Equatable, Sendable {
    /// gzip (deflate) at a level.
    case gzip(level: Int)
    /// The byte shuffle filter.
    case shuffle
    /// Any other filter, by HDF5 filter id and name.
    case other(id: Int, name: String)
}

/// An open dataset: its shape, element type and layout; whole and partial reads and writes.
///
/// Partial reads select a row range of the first dimension and, for 2-D datasets, a set of columns; the
/// columns are selected as a union of hyperslab blocks (runs of adjacent columns) and read in one `H5Dread`,
/// so HDF5 visits each chunk once. Chunked float32/float16 datasets with gzip or shuffle + gzip (what Salience
/// and h5py write) are instead read chunk by chunk and decoded outside libhdf5 (`readDirect`, `DirectChunkPlan`),
/// and contiguous float datasets (h5py's default without chunks) with `pread` (`readContiguous`,
/// `ContiguousPlan`): same values, every core.
public final class Dataset: Location {
    /// The chunks the last direct read ended inside, decoded (see `readDirect`).
    let decodedChunks = DecodedChunkRow()

    /// The current extent, one entry per dimension.
    public var shape: [Int] {
        get throws {
            HDF5Library.prepareThread()
            let space = try checked(H5Dget_space(id), "get dataspace of", qualifiedPath)
            defer { H5Sclose(space) }
            return try dimensions(of: space)
        }
    }

    /// The element type stored in the file.
    public var elementType: ElementType {
        get throws {
            HDF5Library.prepareThread()
            let type = try checked(H5Dget_type(id), "get type of", qualifiedPath)
            defer { H5Tclose(type) }
            return ElementType.of(type)
        }
    }

    /// The chunk shape, or nil when the dataset is not chunked.
    public var chunkShape: [Int]? {
        get throws {
            HDF5Library.prepareThread()
            let creation = try checked(H5Dget_create_plist(id), "get creation properties of", qualifiedPath)
            defer { H5Pclose(creation) }
            guard H5Pget_layout(creation) == H5D_CHUNKED else { return nil }
            var dims = [hsize_t](repeating: 0, count: 32)
            let rank = try checked(H5Pget_chunk(creation, 32, &dims), "get chunk shape of", qualifiedPath)
            return dims.prefix(Int(rank)).map { Int($0) }
        }
    }

    /// The filters of a chunked dataset, in the order they are applied on write.
    public var filters: [Filter] {
        get throws {
            HDF5Library.prepareThread()
            let creation = try checked(H5Dget_create_plist(id), "get creation properties of", qualifiedPath)
            defer { H5Pclose(creation) }
            let count = try checked(H5Pget_nfilters(creation), "get filters of", qualifiedPath)
            var result: [Filter] = []
            for index in 0..<UInt32(count) {
                var flags: UInt32 = 0
                var valueCount = 8
                var values = [UInt32](repeating: 0, count: 8)
                var name = [CChar](repeating: 0, count: 128)
                var config: UInt32 = 0
                let filterID = H5Pget_filter2(creation, index, &flags, &valueCount, &values, 128, &name, &config)
                switch filterID {
                case H5Z_FILTER_DEFLATE: result.append(.gzip(level: Int(values[0])))
                case H5Z_FILTER_SHUFFLE: result.append(.shuffle)
                default: result.append(.other(id: Int(filterID), name: String(cString: name)))
                }
            }
            return result
        }
    }

    /// Total number of elements.
    public var elementCount: Int { get throws { try shape.reduce(1, *) } }

    // MARK: reading

    /// Reads the whole dataset (row-major), converting to `T`.
    public func read<T: NativeElement>(as _: T.Type = T.self) throws -> [T] {
        let count = try elementCount
        var values = [T](unsafeUninitializedCapacity: count) { buffer, initialised in
            if let base = buffer.baseAddress { memset(base, 0, count * MemoryLayout<T>.stride) }
            initialised = count
        }
        guard count > 0 else { return values }
        try checkNumeric(T.self, operation: "read dataset")
        HDF5Library.prepareThread()
        _ = try values.withUnsafeMutableBytes { buffer in
            try checked(
                H5Dread(
                    id, nativeType(T.nativeElementType), CHDF5_S_ALL(), CHDF5_S_ALL(), CHDF5_P_DEFAULT(),
                    buffer.baseAddress),
                "read dataset", qualifiedPath)
        }
        return values
    }

    /// Reads rows `rows` of the first dimension (all other dimensions whole) and, for a 2-D dataset, only
    /// `columns` (any order, repeats allowed; nil means all). Returns row-major values of shape
    /// `[rows.count, columns.count]` (or `[rows.count, rest...]`).
    public func read<T: NativeElement>(rows: Range<Int>, columns: [Int]? = nil, as _: T.Type = T.self) throws -> [T] {
        let dims = try shape
        let width = columns?.count ?? dims.dropFirst().reduce(1, *)
        // Every element is written by the read (or the read throws), so the array need not be zeroed first.
        return try [T](unsafeUninitializedCapacity: rows.count * width) { buffer, initialised in
            try read(rows: rows, columns: columns, into: UnsafeMutableBufferPointer(rebasing: buffer[...]))
            initialised = rows.count * width
        }
    }

    /// Like `read(rows:columns:as:)`, into `buffer`, which must hold exactly `rows.count x width` values.
    /// A direct chunk read decodes on up to `decodingThreads` threads (default `chunkDecodingThreads`); a
    /// caller that already reads on every core passes 1, so its reads do not wait for each other's decoding.
    public func read<T: NativeElement>(
        rows: Range<Int>, columns: [Int]?, into buffer: UnsafeMutableBufferPointer<T>, decodingThreads: Int? = nil
    ) throws {
        try checkNumeric(T.self, operation: "read rows of")
        let dims = try shape
        guard !dims.isEmpty, rows.lowerBound >= 0, rows.upperBound <= dims[0] else {
            throw invalid("read rows of", "rows \(rows) outside 0..<\(dims.first ?? 0)")
        }
        let rest = dims.dropFirst().reduce(1, *)
        guard let columns else {
            guard buffer.count == rows.count * rest else {
                throw invalid("read rows of", "buffer holds \(buffer.count) values, need \(rows.count * rest)")
            }
            if dims.count == 2,
                try readDirectIfPossible(
                    rows: rows, columns: Array(0..<dims[1]), into: buffer, decodingThreads: decodingThreads)
            {
                return
            }
            var start = [hsize_t](repeating: 0, count: dims.count)
            var count = dims.map { hsize_t($0) }
            start[0] = hsize_t(rows.lowerBound)
            count[0] = hsize_t(rows.count)
            try readSelection(dims: dims, memoryCount: count, into: UnsafeMutableRawPointer(buffer.baseAddress), T.self)
            {
                space in H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, nil, &count, nil)
            }
            return
        }
        guard dims.count == 2 else { throw invalid("read columns of", "column subsets need a 2-D dataset") }
        guard buffer.count == rows.count * columns.count else {
            throw invalid("read columns of", "buffer holds \(buffer.count) values, need \(rows.count * columns.count)")
        }
        if let bad = columns.first(where: { $0 < 0 || $0 >= dims[1] }) {
            throw invalid("read columns of", "column \(bad) outside 0..<\(dims[1])")
        }
        if rows.isEmpty || columns.isEmpty { return }
        if try readDirectIfPossible(rows: rows, columns: columns, into: buffer, decodingThreads: decodingThreads) {
            return
        }
        let sortedUnique = Array(Set(columns)).sorted()
        // Runs of selected columns separated by small gaps are read as one span (the gap columns are read
        // and dropped): HDF5 copies a hyperslab union run by run, and thousands of one-column runs per row
        // cost far more than reading a few unwanted columns from chunks that are decompressed anyway.
        let spans = mergedSpans(columnBlocks(sortedUnique), maximumGap: Self.columnGapReadThrough)
        let select: (hid_t) -> herr_t = { space in
            for (index, span) in spans.enumerated() {
                var start = [hsize_t(rows.lowerBound), hsize_t(span.lowerBound)]
                var count: [hsize_t] = [1, 1]
                var blockShape = [hsize_t(rows.count), hsize_t(span.count)]
                let status = H5Sselect_hyperslab(
                    space, index == 0 ? H5S_SELECT_SET : H5S_SELECT_OR, &start, nil, &count, &blockShape)
                if status < 0 { return status }
            }
            return 0
        }
        let spanWidth = spans.reduce(0) { $0 + $1.count }
        let memoryCount = [hsize_t(rows.count), hsize_t(spanWidth)]
        if sortedUnique == columns && spanWidth == columns.count {
            try readSelection(
                dims: dims, memoryCount: memoryCount, into: UnsafeMutableRawPointer(buffer.baseAddress), T.self,
                select: select)
            return
        }
        // Read the spans (ascending: the order HDF5 fills memory in), then gather the requested columns.
        let scratch = try [T](unsafeUninitializedCapacity: rows.count * spanWidth) { raw, initialised in
            try readSelection(
                dims: dims, memoryCount: memoryCount, into: UnsafeMutableRawPointer(raw.baseAddress), T.self,
                select: select)
            initialised = rows.count * spanWidth
        }
        var position: [Int: Int] = [:]
        var offset = 0
        for span in spans {
            for column in span { position[column] = offset + column - span.lowerBound }
            offset += span.count
        }
        let sources = columns.map { position[$0]! }
        let width = columns.count
        scratch.withUnsafeBufferPointer { source in
            for row in 0..<rows.count {
                let from = row * spanWidth
                let to = row * width
                for (target, column) in sources.enumerated() { buffer[to + target] = source[from + column] }
            }
        }
    }

    /// Whether reads of `Float` rows from chunked float32/float16 datasets fetch the stored chunks and decode
    /// them outside libhdf5, on up to `chunkDecodingThreads` threads (see `DirectChunkPlan`), and reads from
    /// contiguous ones `pread` the rows (`ContiguousPlan`). Default true; false sends every read through
    /// `H5Dread` (they give identical values; the switch exists to compare).
    nonisolated(unsafe) public static var directChunkReads = true

    /// How many threads one read may decode chunks on (default: the online processors).
    nonisolated(unsafe) public static var chunkDecodingThreads = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Reads `rows` x `columns` into `buffer` through `readDirect` when `T` is `Float` and the layout
    /// allows; returns false (nothing written) otherwise.
    private func readDirectIfPossible<T: NativeElement>(
        rows: Range<Int>, columns: [Int], into buffer: UnsafeMutableBufferPointer<T>, decodingThreads: Int?
    ) throws -> Bool {
        guard T.self == Float.self, Self.directChunkReads, !rows.isEmpty, !columns.isEmpty else { return false }
        HDF5Library.prepareThread()
        guard let plan = DirectChunkPlan.make(for: id) else {
            guard let contiguous = ContiguousPlan.make(for: id) else { return false }
            try buffer.withMemoryRebound(to: Float.self) {
                try readContiguous(plan: contiguous, rows: rows, columns: columns, into: $0.baseAddress!)
            }
            return true
        }
        return try buffer.withMemoryRebound(to: Float.self) {
            try readDirect(
                plan: plan, rows: rows, columns: columns, into: $0.baseAddress!,
                concurrency: max(1, decodingThreads ?? Self.chunkDecodingThreads))
        }
    }

    /// Column runs closer than this many columns are read as one span (see `read(rows:columns:into:)`):
    /// 16 float32 columns is 64 bytes, below the cost of one more run in HDF5's hyperslab copy
    /// (measured with ops/bench/shard-read: evenly scattered 40 % of 1024 columns).
    static let columnGapReadThrough = 16

    private func readSelection<T: NativeElement>(
        dims: [Int], memoryCount: [hsize_t], into pointer: UnsafeMutableRawPointer?, _: T.Type,
        select: (hid_t) -> herr_t
    ) throws {
        HDF5Library.prepareThread()
        let fileSpace = try checked(H5Dget_space(id), "get dataspace of", qualifiedPath)
        defer { H5Sclose(fileSpace) }
        try checked(select(fileSpace), "select hyperslab of", qualifiedPath)
        var memoryDims = memoryCount
        let memorySpace = try checked(
            H5Screate_simple(Int32(memoryDims.count), &memoryDims, nil), "create memory space for", qualifiedPath)
        defer { H5Sclose(memorySpace) }
        try checked(
            H5Dread(id, nativeType(T.nativeElementType), memorySpace, fileSpace, CHDF5_P_DEFAULT(), pointer),
            "read dataset", qualifiedPath)
    }

    // MARK: writing

    /// Writes the whole dataset from row-major `values`, converting from `T` to the stored type.
    public func write<T: NativeElement>(_ values: [T]) throws {
        try checkNumeric(T.self, operation: "write dataset")
        let count = try elementCount
        guard values.count == count else {
            throw invalid("write dataset", "\(values.count) values for \(count) elements")
        }
        guard count > 0 else { return }
        HDF5Library.prepareThread()
        _ = try values.withUnsafeBytes { buffer in
            try checked(
                H5Dwrite(
                    id, nativeType(T.nativeElementType), CHDF5_S_ALL(), CHDF5_S_ALL(), CHDF5_P_DEFAULT(),
                    buffer.baseAddress),
                "write dataset", qualifiedPath)
        }
    }

    /// Writes whole rows (of the first dimension) starting at row `firstRow` from row-major `values`.
    public func write<T: NativeElement>(_ values: [T], atRow firstRow: Int) throws {
        try checkNumeric(T.self, operation: "write rows of")
        let dims = try shape
        let rest = dims.dropFirst().reduce(1, *)
        guard rest > 0, values.count % rest == 0 else {
            throw invalid("write rows of", "\(values.count) values are not whole rows of \(rest)")
        }
        let rowCount = values.count / rest
        guard firstRow >= 0, firstRow + rowCount <= dims[0] else {
            throw invalid("write rows of", "rows \(firstRow)..<\(firstRow + rowCount) outside 0..<\(dims[0])")
        }
        guard rowCount > 0 else { return }
        HDF5Library.prepareThread()
        let fileSpace = try checked(H5Dget_space(id), "get dataspace of", qualifiedPath)
        defer { H5Sclose(fileSpace) }
        var start = [hsize_t](repeating: 0, count: dims.count)
        var count = dims.map { hsize_t($0) }
        start[0] = hsize_t(firstRow)
        count[0] = hsize_t(rowCount)
        try checked(
            H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, &start, nil, &count, nil), "select rows of", qualifiedPath)
        let memorySpace = try checked(
            H5Screate_simple(Int32(count.count), &count, nil), "create memory space for", qualifiedPath)
        defer { H5Sclose(memorySpace) }
        _ = try values.withUnsafeBytes { buffer in
            try checked(
                H5Dwrite(
                    id, nativeType(T.nativeElementType), memorySpace, fileSpace, CHDF5_P_DEFAULT(), buffer.baseAddress),
                "write rows of", qualifiedPath)
        }
    }

    /// Changes the extent of a dataset created with a larger (or unlimited) `maxShape`.
    public func resize(to newShape: [Int]) throws {
        HDF5Library.prepareThread()
        var dims = newShape.map { hsize_t($0) }
        try checked(H5Dset_extent(id, &dims), "resize dataset", qualifiedPath)
    }

    // MARK: helpers

    func dimensions(of space: hid_t) throws -> [Int] {
        let rank = try checked(H5Sget_simple_extent_ndims(space), "get rank of", qualifiedPath)
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        try checked(H5Sget_simple_extent_dims(space, &dims, nil), "get extent of", qualifiedPath)
        // A hostile file may declare extents above Int.max; `Int(_:)` would trap on them.
        return try dims.map {
            guard let extent = Int(exactly: $0) else {
                throw invalid("get extent of", "extent \($0) is larger than this platform's Int")
            }
            return extent
        }
    }

    private func checkNumeric<T: NativeElement>(_: T.Type, operation: String) throws {
        let stored = try elementType
        guard stored.isFloatingPoint || stored.isInteger else {
            throw HDF5Error(
                .mismatch, operation: operation, path: qualifiedPath,
                messages: ["stored type \(stored) cannot be read as \(T.self)"])
        }
    }

    func invalid(_ operation: String, _ message: String) -> HDF5Error {
        HDF5Error(.invalidArgument, operation: operation, path: qualifiedPath, messages: [message])
    }
}

/// Joins runs whose gap (columns between them) is at most `maximumGap`.
func mergedSpans(_ blocks: [Range<Int>], maximumGap: Int) -> [Range<Int>] {
    var spans: [Range<Int>] = []
    for block in blocks {
        if let last = spans.last, block.lowerBound - last.upperBound <= maximumGap {
            spans[spans.count - 1] = last.lowerBound..<block.upperBound
        } else {
            spans.append(block)
        }
    }
    return spans
}

/// Runs of adjacent values in a sorted list of distinct columns, e.g. [1, 2, 3, 7, 9, 10] -> [1..<4, 7..<8, 9..<11].
func columnBlocks(_ sortedColumns: [Int]) -> [Range<Int>] {
    var blocks: [Range<Int>] = []
    guard var start = sortedColumns.first else { return blocks }
    var end = start + 1
    for column in sortedColumns.dropFirst() {
        if column == end {
            end += 1
        } else {
            blocks.append(start..<end)
            start = column
            end = column + 1
        }
    }
    blocks.append(start..<end)
    return blocks
}
