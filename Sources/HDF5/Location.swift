import CHDF5

/// An open HDF5 object that can carry attributes: a file (its root group), a group or a dataset.
/// The underlying identifier is closed when the last reference to the object goes away.
public class Location {
    let handle: ObjectHandle
    /// The file's path on disk, for messages.
    public let filePath: String
    /// The object's path inside the file (`/` for the root).
    public let objectPath: String

    init(handle: ObjectHandle, filePath: String, objectPath: String) {
        self.handle = handle
        self.filePath = filePath
        self.objectPath = objectPath
    }

    var id: hid_t { handle.id }

    /// `file:object`, as errors name it.
    public var qualifiedPath: String { "\(filePath):\(objectPath)" }

    /// Whether the object is still open (it is, for as long as you hold it).
    public var isOpen: Bool { handle.isValid }

    /// The path of a child object called `name`.
    func childPath(_ name: String) -> String {
        objectPath == "/" ? "/\(name)" : "\(objectPath)/\(name)"
    }

    func childQualifiedPath(_ name: String) -> String { "\(filePath):\(childPath(name))" }
}
