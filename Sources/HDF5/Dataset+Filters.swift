import CHDF5

/// Which of a dataset's filters this libhdf5 can decode.
///
/// Why: a dataset whose filter libhdf5 lacks (h5py's default `lzf`, id 32000, is built into h5py, not into
/// libhdf5) opens and reports its shape and type normally; only reading its values fails, deep inside a
/// task and with HDF5's raw error stack. Checking `H5Zfilter_avail` lets a validator refuse it up front.
extension Filter {
    /// The HDF5 filter id (1 deflate, 2 shuffle, 32000 lzf, ...).
    public var id: Int {
        switch self {
        case .gzip: return Int(H5Z_FILTER_DEFLATE)
        case .shuffle: return Int(H5Z_FILTER_SHUFFLE)
        case .other(let id, _): return id
        }
    }

    /// A name for messages: `gzip`, `shuffle`, or the name stored in the file with the id.
    public var displayName: String {
        switch self {
        case .gzip: return "gzip"
        case .shuffle: return "shuffle"
        case .other(let id, let name): return name.isEmpty ? "filter \(id)" : "\(name) (filter \(id))"
        }
    }

    /// Whether this libhdf5 can apply the filter: built in, or a plugin it finds (`H5Zfilter_avail`).
    public var isAvailable: Bool {
        HDF5Library.prepareThread()
        return H5Zfilter_avail(H5Z_filter_t(id)) > 0
    }
}

extension Dataset {
    /// The filters of this dataset that this libhdf5 cannot decode (empty when its values can be read).
    public var unavailableFilters: [Filter] {
        get throws { try filters.filter { !$0.isAvailable } }
    }
}
