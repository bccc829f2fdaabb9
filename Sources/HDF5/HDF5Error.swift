import CHDF5

/// A failed HDF5 operation: what was attempted, on which file and object, and why (HDF5's own messages
/// from its error stack, most specific first, or this module's reason).
public struct HDF5Error: Error, CustomStringConvertible, Equatable {
    /// What went wrong, broadly.
    public enum Kind: Equatable, Sendable {
        /// libhdf5 reported a failure; `messages` holds its error stack.
        case library
        /// The object exists but its type, rank or shape does not fit the request.
        case mismatch
        /// The request itself is invalid (a row range or column outside the dataset, a wrong value count).
        case invalidArgument
    }

    /// What went wrong, broadly.
    public var kind: Kind
    /// The operation, e.g. `open file`, `read dataset`.
    public var operation: String
    /// The file and object, e.g. `data/a.h5:/embeddings`.
    public var path: String
    /// The library's messages (most specific first), or this module's reason.
    public var messages: [String]

    /// Creates an error; `messages` explains the cause.
    public init(_ kind: Kind, operation: String, path: String, messages: [String]) {
        self.kind = kind
        self.operation = operation
        self.path = path
        self.messages = messages
    }

    /// One line: `<operation> <path>: <messages>`.
    public var description: String {
        let reason = messages.isEmpty ? "failed (HDF5 gave no message)" : messages.joined(separator: "; ")
        return "\(operation) \(path): \(reason)"
    }

    /// An error from the library, carrying (and then clearing) the calling thread's HDF5 error stack.
    static func library(_ operation: String, _ path: String) -> HDF5Error {
        HDF5Error(.library, operation: operation, path: path, messages: takeErrorStack())
    }

    /// Walks the thread's HDF5 error stack from the innermost (most specific) entry outwards, collecting each
    /// entry's description, then clears the stack.
    static func takeErrorStack() -> [String] {
        var messages: [String] = []
        withUnsafeMutablePointer(to: &messages) { list in
            _ = H5Ewalk2(
                CHDF5_E_DEFAULT(), H5E_WALK_UPWARD,
                { _, entry, client in
                    guard let entry, let client else { return 0 }
                    let list = client.assumingMemoryBound(to: [String].self)
                    var text = entry.pointee.desc.map { String(cString: $0) } ?? ""
                    var minor = [CChar](repeating: 0, count: 256)
                    if H5Eget_msg(entry.pointee.min_num, nil, &minor, 256) > 0 {
                        let reason = String(cString: minor)
                        if !reason.isEmpty && !text.contains(reason) { text += " (\(reason))" }
                    }
                    if !text.isEmpty && !list.pointee.contains(text) { list.pointee.append(text) }
                    return 0
                }, list)
        }
        H5Eclear2(CHDF5_E_DEFAULT())
        return messages
    }
}

/// Returns `id`, or throws the thread's HDF5 error when it is negative (HDF5's failure value).
@discardableResult
func checked<T: BinaryInteger>(_ result: T, _ operation: @autoclosure () -> String, _ path: @autoclosure () -> String)
    throws -> T
{
    if result < 0 { throw HDF5Error.library(operation(), path()) }
    return result
}
