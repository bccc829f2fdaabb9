import CZeroMQ

/// A libzmq context: the container for sockets and I/O threads of a process.
///
/// Thread safety: a context may be used from any thread. Sockets keep their context alive; the context
/// is terminated (`zmq_ctx_term`) when the last reference goes, which happens only after every socket
/// made from it has been closed, so termination never blocks on a forgotten socket.
public final class Context {
    /// The libzmq handle.
    let handle: UnsafeMutableRawPointer

    /// Creates a context with `ioThreads` I/O threads (libzmq's default is 1, enough for ~1 GB/s).
    public init(ioThreads: Int = 1) throws {
        guard let handle = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        self.handle = handle
        if zmq_ctx_set(handle, ZMQ_IO_THREADS, Int32(ioThreads)) != 0 {
            zmq_ctx_term(handle)
            throw ZMQError.last("zmq_ctx_set ZMQ_IO_THREADS")
        }
    }

    /// Makes every blocking call on this context's sockets fail with `ETERM` (from any thread), so that
    /// socket-owning threads wake up, close their sockets and return.
    public func shutdown() {
        zmq_ctx_shutdown(handle)
    }

    deinit {
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }
}
