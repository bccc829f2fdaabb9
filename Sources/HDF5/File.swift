import CHDF5

/// An HDF5 file, which is also its root group: create datasets, groups and attributes on it directly.
/// The file closes when the last reference to it and to every object opened from it goes away.
public final class File: Container {
    /// How an existing file is opened.
    public enum Mode: Sendable {
        /// Reading only.
        case readOnly
        /// Reading and writing.
        case readWrite
    }

    /// Creates a file at `path`, replacing an existing one when `overwrite` (otherwise failing if it exists).
    public static func create(_ path: String, overwrite: Bool = true) throws -> File {
        HDF5Library.prepareThread()
        let flags = overwrite ? CHDF5_F_ACC_TRUNC() : CHDF5_F_ACC_EXCL()
        let access = try checked(H5Pcreate(CHDF5_P_FILE_ACCESS()), "create file access properties for", path)
        defer { H5Pclose(access) }
        // Files readable by HDF5 1.10 and newer (what the shard format asks of every writer).
        try checked(H5Pset_libver_bounds(access, H5F_LIBVER_EARLIEST, H5F_LIBVER_V110), "set format bounds of", path)
        let fileID = try checked(H5Fcreate(path, flags, CHDF5_P_DEFAULT(), access), "create file", path)
        return File(handle: ObjectHandle(fileID, close: H5Fclose), filePath: path, objectPath: "/")
    }

    /// Opens the existing file at `path`.
    public static func open(_ path: String, mode: Mode = .readOnly) throws -> File {
        HDF5Library.prepareThread()
        let flags = mode == .readOnly ? CHDF5_F_ACC_RDONLY() : CHDF5_F_ACC_RDWR()
        let fileID = try checked(H5Fopen(path, flags, CHDF5_P_DEFAULT()), "open file", path)
        return File(handle: ObjectHandle(fileID, close: H5Fclose), filePath: path, objectPath: "/")
    }

    /// Whether the file at `path` starts with the HDF5 signature (without opening it as HDF5).
    public static func isHDF5(_ path: String) -> Bool {
        HDF5Library.prepareThread()
        return H5Fis_hdf5(path) > 0
    }

    /// Writes buffered data to disk.
    public func flush() throws {
        HDF5Library.prepareThread()
        try checked(H5Fflush(id, H5F_SCOPE_LOCAL), "flush", filePath)
    }

    /// The number of objects (including the file itself) open in this file.
    public var openObjectCount: Int {
        HDF5Library.prepareThread()
        return Int(H5Fget_obj_count(id, allObjectTypes))
    }
}

/// A group inside a file.
public final class Group: Container {}
