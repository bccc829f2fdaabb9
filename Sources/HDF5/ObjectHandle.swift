import CHDF5

/// An owned HDF5 identifier, closed exactly once when the last reference goes away (Swift's reference
/// counting makes this deterministic: at the end of the owner's scope, not at some later collection).
final class ObjectHandle {
    /// The identifier.
    let id: hid_t
    private let close: (hid_t) -> herr_t

    init(_ id: hid_t, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.close = close
    }

    /// Whether HDF5 still considers the identifier valid.
    var isValid: Bool { H5Iis_valid(id) > 0 }

    deinit { _ = close(id) }
}

/// Runs `body` with a temporary identifier that is closed afterwards, whatever happens.
func withTemporary<R>(_ id: hid_t, close: (hid_t) -> herr_t, _ body: (hid_t) throws -> R) rethrows -> R {
    defer { _ = close(id) }
    return try body(id)
}
