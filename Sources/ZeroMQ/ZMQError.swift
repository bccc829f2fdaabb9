import CZeroMQ

/// A failed libzmq call: which operation, the `errno` it set and libzmq's own text for it.
public struct ZMQError: Error, Equatable, CustomStringConvertible {
    /// What was being done, e.g. `bind tcp://0.0.0.0:5555` or `setsockopt ZMQ_LINGER`.
    public let operation: String
    /// The errno libzmq reported (`EAGAIN`, `ETERM`, `EADDRINUSE`, ...).
    public let errno: Int32
    /// `zmq_strerror(errno)`, or a description of the bad argument for errors raised in Swift.
    public let message: String

    /// Creates an error from explicit parts.
    public init(operation: String, errno: Int32, message: String) {
        self.operation = operation
        self.errno = errno
        self.message = message
    }

    /// The error of the last failed libzmq call on this thread.
    static func last(_ operation: @autoclosure () -> String) -> ZMQError {
        let code = zmq_errno()
        return ZMQError(operation: operation(), errno: code, message: String(cString: zmq_strerror(code)))
    }

    /// An invalid argument detected on the Swift side (EINVAL).
    static func invalid(_ operation: String, _ message: String) -> ZMQError {
        ZMQError(operation: operation, errno: EINVAL, message: message)
    }

    /// True when the context was terminated (`ETERM`): the socket's owner should close it and stop.
    public var isContextTerminated: Bool { errno == ETERM }

    public var description: String { "\(operation): \(message) (errno \(errno))" }
}
