import CZeroMQ
import Foundation

/// A libzmq socket.
///
/// Thread ownership: a socket belongs to one thread. Create it, use it and close it on the same thread,
/// or hand it over whole to a thread that has not started yet (thread start is a full memory barrier).
/// Only `Context.shutdown()` may be called from elsewhere to wake a blocked socket.
///
/// Sending and receiving return `false`/`nil` on `EAGAIN` (a timeout or a non-blocking call that would
/// block); every other failure throws a `ZMQError`.
public final class Socket {
    /// Linger applied to every new socket, in milliseconds. libzmq's default (-1, wait forever for
    /// unsent messages) makes a process hang at exit when a peer is gone; 0 drops them at close.
    public static let defaultLingerMilliseconds: Int32 = 0

    /// The libzmq handle; nil after `close()`.
    private(set) var handle: UnsafeMutableRawPointer?
    /// The context, kept alive while the socket is open.
    public let context: Context
    /// The socket's pattern.
    public let type: SocketType

    /// Creates a socket of `type` in `context`, with `linger` set to `defaultLingerMilliseconds`.
    public init(_ context: Context, _ type: SocketType) throws {
        guard let handle = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("zmq_socket \(type)")
        }
        self.handle = handle
        self.context = context
        self.type = type
        try setOption(ZMQ_LINGER, Socket.defaultLingerMilliseconds, name: "ZMQ_LINGER")
    }

    deinit { close() }

    /// Closes the socket (idempotent). Pending outgoing messages are kept for `linger` ms.
    public func close() {
        if let handle {
            zmq_close(handle)
            self.handle = nil
        }
    }

    func open(_ operation: @autoclosure () -> String) throws -> UnsafeMutableRawPointer {
        guard let handle else { throw ZMQError(operation: operation(), errno: ENOTSOCK, message: "socket is closed") }
        return handle
    }

    // MARK: Endpoints

    /// Binds to `endpoint` (`tcp://127.0.0.1:0`, `ipc:///tmp/x.sock`, `inproc://name`).
    /// With port 0 or `*`, read the chosen port from `lastEndpoint`.
    public func bind(_ endpoint: String) throws {
        guard zmq_bind(try open("bind \(endpoint)"), endpoint) == 0 else { throw ZMQError.last("bind \(endpoint)") }
    }

    /// Connects to `endpoint`; libzmq connects in the background and reconnects by itself.
    public func connect(_ endpoint: String) throws {
        guard zmq_connect(try open("connect \(endpoint)"), endpoint) == 0 else {
            throw ZMQError.last("connect \(endpoint)")
        }
    }

    /// Stops listening on `endpoint`.
    public func unbind(_ endpoint: String) throws {
        guard zmq_unbind(try open("unbind \(endpoint)"), endpoint) == 0 else {
            throw ZMQError.last("unbind \(endpoint)")
        }
    }

    /// Disconnects from `endpoint`.
    public func disconnect(_ endpoint: String) throws {
        guard zmq_disconnect(try open("disconnect \(endpoint)"), endpoint) == 0 else {
            throw ZMQError.last("disconnect \(endpoint)")
        }
    }

    /// The endpoint of the last bind or connect, with the actual port for wildcard binds
    /// (`ZMQ_LAST_ENDPOINT`).
    public var lastEndpoint: String {
        get throws { try stringOption(ZMQ_LAST_ENDPOINT, name: "ZMQ_LAST_ENDPOINT") }
    }

    /// Subscribes a SUB socket to messages whose first frame starts with `prefix` (empty: everything).
    public func subscribe(_ prefix: [UInt8] = []) throws {
        try setOption(ZMQ_SUBSCRIBE, bytes: prefix, name: "ZMQ_SUBSCRIBE")
    }

    /// Removes a subscription made with `subscribe`.
    public func unsubscribe(_ prefix: [UInt8] = []) throws {
        try setOption(ZMQ_UNSUBSCRIBE, bytes: prefix, name: "ZMQ_UNSUBSCRIBE")
    }

    // MARK: Sending

    /// Sends one frame copied from `bytes`; `more` marks that further frames of the message follow.
    /// Returns false when the send would block (`EAGAIN`: `dontWait`, send timeout, or an HWM reached).
    @discardableResult
    public func send(_ bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws -> Bool {
        let handle = try open("send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        while true {
            if zmq_send(handle, bytes.baseAddress, bytes.count, flags) >= 0 { return true }
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN { return false }
            throw ZMQError.last("send \(bytes.count) bytes on \(type)")
        }
    }

    /// Sends one frame copied from `bytes` (an array, `Data`, ...). See `send(_:more:dontWait:)`.
    @discardableResult
    public func send<Bytes: ContiguousBytes>(_ bytes: Bytes, more: Bool = false, dontWait: Bool = false) throws
        -> Bool
    {
        try bytes.withUnsafeBytes { try send($0, more: more, dontWait: dontWait) }
    }

    /// Sends a UTF-8 string frame.
    @discardableResult
    public func send(string: String, more: Bool = false, dontWait: Bool = false) throws -> Bool {
        try send(Array(string.utf8), more: more, dontWait: dontWait)
    }

    /// Sends `message` without copying; libzmq takes its contents (the message is empty afterwards).
    @discardableResult
    public func send(_ message: Message, more: Bool = false, dontWait: Bool = false) throws -> Bool {
        let handle = try open("send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        while true {
            if zmq_msg_send(message.pointer, handle, flags) >= 0 { return true }
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN { return false }
            throw ZMQError.last("send \(message.count)-byte message on \(type)")
        }
    }

    /// Sends every frame of a multipart message. Once the first frame is accepted libzmq queues the rest
    /// atomically, so a false return (EAGAIN) means nothing was sent.
    @discardableResult
    public func send<Bytes: ContiguousBytes>(multipart frames: [Bytes], dontWait: Bool = false) throws -> Bool {
        for (index, frame) in frames.enumerated() {
            let sent = try send(frame, more: index < frames.count - 1, dontWait: dontWait || index > 0)
            if !sent {
                if index == 0 { return false }
                throw ZMQError(
                    operation: "send multipart frame \(index) on \(type)", errno: EAGAIN,
                    message: "frame refused after the first was queued")
            }
        }
        return true
    }

    /// Sends a multipart message made of `Message` frames, without copying them.
    @discardableResult
    public func send(multipart frames: [Message], dontWait: Bool = false) throws -> Bool {
        for (index, frame) in frames.enumerated() {
            let sent = try send(frame, more: index < frames.count - 1, dontWait: dontWait || index > 0)
            if !sent {
                if index == 0 { return false }
                throw ZMQError(
                    operation: "send multipart frame \(index) on \(type)", errno: EAGAIN,
                    message: "frame refused after the first was queued")
            }
        }
        return true
    }

    // MARK: Receiving

    /// Receives one frame without copying it. Returns nil on `EAGAIN` (receive timeout or `dontWait`).
    public func receive(dontWait: Bool = false) throws -> Message? {
        let handle = try open("receive")
        let message = Message()
        while true {
            if zmq_msg_recv(message.pointer, handle, dontWait ? ZMQ_DONTWAIT : 0) >= 0 {
                message.hasMore = zmq_msg_more(message.pointer) != 0
                return message
            }
            let code = zmq_errno()
            if code == EINTR { continue }
            if code == EAGAIN { return nil }
            throw ZMQError.last("receive on \(type)")
        }
    }

    /// Receives all frames of one multipart message. Returns nil on `EAGAIN` before the first frame;
    /// later frames of a message are already queued, so they never block.
    public func receiveMultipart(dontWait: Bool = false) throws -> [Message]? {
        guard let first = try receive(dontWait: dontWait) else { return nil }
        var frames = [first]
        while frames[frames.count - 1].hasMore {
            guard let next = try receive(dontWait: false) else {
                throw ZMQError(operation: "receive multipart on \(type)", errno: EAGAIN, message: "missing frame")
            }
            frames.append(next)
        }
        return frames
    }
}
