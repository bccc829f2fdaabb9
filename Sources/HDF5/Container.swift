import CHDF5

/// A location that holds groups and datasets: a file's root or a group.
public class Container: Location {
    /// Whether a link called `name` exists directly in this container.
    public func contains(_ name: String) throws -> Bool {
        HDF5Library.prepareThread()
        let exists = try checked(
            H5Lexists(id, name, CHDF5_P_DEFAULT()), "look up", childQualifiedPath(name))
        return exists > 0
    }

    /// The names of the objects directly in this container, in name order.
    public func memberNames() throws -> [String] {
        HDF5Library.prepareThread()
        var info = H5G_info_t()
        try checked(H5Gget_info(id, &info), "list members of", qualifiedPath)
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = try checked(
                H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, CHDF5_P_DEFAULT()),
                "list members of", qualifiedPath)
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            try checked(
                H5Lget_name_by_idx(
                    id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, CHDF5_P_DEFAULT()),
                "list members of", qualifiedPath)
            names.append(String(cString: buffer))
        }
        return names
    }

    /// Creates a group called `name` in this container.
    public func createGroup(_ name: String) throws -> Group {
        HDF5Library.prepareThread()
        let groupID = try checked(
            H5Gcreate2(id, name, CHDF5_P_DEFAULT(), CHDF5_P_DEFAULT(), CHDF5_P_DEFAULT()),
            "create group", childQualifiedPath(name))
        return Group(handle: ObjectHandle(groupID, close: H5Gclose), filePath: filePath, objectPath: childPath(name))
    }

    /// Opens the existing group called `name`.
    public func openGroup(_ name: String) throws -> Group {
        HDF5Library.prepareThread()
        let groupID = try checked(H5Gopen2(id, name, CHDF5_P_DEFAULT()), "open group", childQualifiedPath(name))
        return Group(handle: ObjectHandle(groupID, close: H5Gclose), filePath: filePath, objectPath: childPath(name))
    }

    /// Creates a dataset of `type` and `shape`.
    ///
    /// - Parameters:
    ///   - maxShape: per dimension, the largest extent (nil entry: unlimited); nil means fixed at `shape`.
    ///     A dataset that can grow must be chunked.
    ///   - layout: chunking and compression; numeric datasets only are compressed.
    public func createDataset(
        _ name: String, type: ElementType, shape: [Int], maxShape: [Int?]? = nil,
        layout: DatasetLayout = .contiguous
    ) throws -> Dataset {
        HDF5Library.prepareThread()
        let path = childQualifiedPath(name)
        guard !shape.isEmpty, shape.allSatisfy({ $0 >= 0 }) else {
            throw HDF5Error(.invalidArgument, operation: "create dataset", path: path, messages: ["bad shape \(shape)"])
        }
        if case .other(let what) = type {
            throw HDF5Error(
                .invalidArgument, operation: "create dataset", path: path, messages: ["cannot store \(what)"])
        }
        let fileType = type.makeFileType()
        defer { H5Tclose(fileType) }
        var dims = shape.map { hsize_t($0) }
        // hsize_t.max is H5S_UNLIMITED (a macro Swift cannot import).
        var maxDims = (maxShape ?? shape.map { Optional($0) }).map { $0.map { hsize_t($0) } ?? hsize_t.max }
        guard maxDims.count == dims.count else {
            throw HDF5Error(
                .invalidArgument, operation: "create dataset", path: path, messages: ["maxShape rank differs"])
        }
        let space = try checked(H5Screate_simple(Int32(dims.count), &dims, &maxDims), "create dataspace for", path)
        defer { H5Sclose(space) }
        let creation = try checked(H5Pcreate(CHDF5_P_DATASET_CREATE()), "create properties for", path)
        defer { H5Pclose(creation) }
        if let chunk = layout.chunk {
            guard chunk.count == shape.count, chunk.allSatisfy({ $0 > 0 }) else {
                throw HDF5Error(
                    .invalidArgument, operation: "create dataset", path: path,
                    messages: ["chunk \(chunk) does not fit shape \(shape)"])
            }
            var chunkDims = chunk.map { hsize_t($0) }
            try checked(H5Pset_chunk(creation, Int32(chunkDims.count), &chunkDims), "set chunking of", path)
            // Shuffle goes before deflate: it groups the bytes of each significance together, which compresses better.
            if layout.shuffle { try checked(H5Pset_shuffle(creation), "set shuffle filter of", path) }
            if let level = layout.gzipLevel {
                try checked(H5Pset_deflate(creation, UInt32(max(0, min(9, level)))), "set gzip filter of", path)
            }
        } else if maxShape != nil || layout.shuffle || layout.gzipLevel != nil {
            throw HDF5Error(
                .invalidArgument, operation: "create dataset", path: path,
                messages: ["growth and compression need a chunked layout"])
        }
        let datasetID = try checked(
            H5Dcreate2(id, name, fileType, space, CHDF5_P_DEFAULT(), creation, CHDF5_P_DEFAULT()),
            "create dataset", path)
        return Dataset(
            handle: ObjectHandle(datasetID, close: H5Dclose), filePath: filePath, objectPath: childPath(name))
    }

    /// Opens the existing dataset called `name`, with a chunk cache of `cache` for its reads.
    public func openDataset(_ name: String, cache: ChunkCache = .default) throws -> Dataset {
        HDF5Library.prepareThread()
        let path = childQualifiedPath(name)
        let access = try checked(H5Pcreate(CHDF5_P_DATASET_ACCESS()), "create access properties for", path)
        defer { H5Pclose(access) }
        try checked(
            H5Pset_chunk_cache(access, cache.slots, cache.bytes, cache.preemption), "set chunk cache of", path)
        let datasetID = try checked(H5Dopen2(id, name, access), "open dataset", path)
        return Dataset(
            handle: ObjectHandle(datasetID, close: H5Dclose), filePath: filePath, objectPath: childPath(name))
    }

    /// Creates a 1-D dataset holding `values`.
    @discardableResult
    public func writeDataset<T: NativeElement>(
        _ name: String, _ values: [T], storedAs type: ElementType? = nil, layout: DatasetLayout = .contiguous
    ) throws -> Dataset {
        try writeDataset(name, values, shape: [values.count], storedAs: type, layout: layout)
    }

    /// Creates a dataset of `shape` holding `values` (row-major).
    @discardableResult
    public func writeDataset<T: NativeElement>(
        _ name: String, _ values: [T], shape: [Int], storedAs type: ElementType? = nil,
        layout: DatasetLayout = .contiguous
    ) throws -> Dataset {
        let dataset = try createDataset(name, type: type ?? T.nativeElementType, shape: shape, layout: layout)
        try dataset.write(values)
        return dataset
    }

    /// Creates a 1-D string dataset holding `strings`.
    @discardableResult
    public func writeStrings(_ name: String, _ strings: [String], type: StringType = .variableUTF8) throws -> Dataset {
        let dataset = try createDataset(name, type: .string(type), shape: [strings.count])
        try dataset.writeStrings(strings)
        return dataset
    }
}

/// How a new dataset is laid out on disk.
public struct DatasetLayout: Equatable, Sendable {
    /// The chunk shape, or nil for a contiguous dataset.
    public var chunk: [Int]?
    /// The gzip (deflate) level 0...9, or nil for none.
    public var gzipLevel: Int?
    /// Whether the shuffle filter runs before gzip.
    public var shuffle: Bool

    /// Creates a layout.
    public init(chunk: [Int]?, gzipLevel: Int? = nil, shuffle: Bool = false) {
        self.chunk = chunk
        self.gzipLevel = gzipLevel
        self.shuffle = shuffle
    }

    /// Contiguous, uncompressed.
    public static let contiguous = DatasetLayout(chunk: nil)

    /// Chunked with shuffle and gzip at `level`.
    public static func compressed(chunk: [Int], level: Int = 4) -> DatasetLayout {
        DatasetLayout(chunk: chunk, gzipLevel: level, shuffle: true)
    }
}

/// The raw-data chunk cache of an open dataset (`H5Pset_chunk_cache`). HDF5's default (1 MiB) is smaller
/// than one row of typical embedding tiles, so every read of a few rows would decompress its chunks again.
public struct ChunkCache: Equatable, Sendable {
    /// Number of hash slots; HDF5 advises a prime about 100 times the number of chunks that fit.
    public var slots: Int
    /// Total bytes of decompressed chunks kept.
    public var bytes: Int
    /// Preference (0...1) for evicting chunks that were read completely.
    public var preemption: Double

    /// Creates cache settings.
    public init(slots: Int, bytes: Int, preemption: Double) {
        self.slots = slots
        self.bytes = bytes
        self.preemption = preemption
    }

    /// 64 MiB and 12 421 slots: holds a full row of tiles for D up to several thousand at 1024-row chunks
    /// (1024 x 4096 x 4 B = 16 MiB), so reading utterance after utterance decompresses each chunk once.
    public static let `default` = ChunkCache(slots: 12_421, bytes: 64 << 20, preemption: 0.75)
}
