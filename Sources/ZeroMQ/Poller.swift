import CZeroMQ

/// What a poller waits for on a socket.
public struct PollEvents: OptionSet, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    /// At least one message can be received without blocking.
    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// At least one message can be sent without blocking.
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
}

/// Waits on several sockets at once (`zmq_poll`).
///
/// Thread ownership: a poller belongs to the thread that owns its sockets.
public final class Poller {
    private var items: [zmq_pollitem_t] = []
    private var sockets: [Socket] = []

    /// An empty poller.
    public init() {}

    /// Adds `socket` and returns its index for `events(at:)`.
    @discardableResult
    public func register(_ socket: Socket, for events: PollEvents = .readable) throws -> Int {
        let handle = try socket.open("poll register")
        items.append(zmq_pollitem_t(socket: handle, fd: 0, events: events.rawValue, revents: 0))
        sockets.append(socket)
        return items.count - 1
    }

    /// Waits up to `timeoutMilliseconds` (-1: forever, 0: just look) for a registered event and returns
    /// how many sockets are ready. An interrupted wait (`EINTR`) returns 0.
    public func poll(timeoutMilliseconds: Int) throws -> Int {
        let count = items.withUnsafeMutableBufferPointer {
            zmq_poll($0.baseAddress, Int32($0.count), timeoutMilliseconds)
        }
        if count < 0 {
            if zmq_errno() == EINTR { return 0 }
            throw ZMQError.last("zmq_poll on \(items.count) sockets")
        }
        return Int(count)
    }

    /// The events that were ready on the socket at `index` after the last `poll`.
    public func events(at index: Int) -> PollEvents { PollEvents(rawValue: items[index].revents) }

    /// Whether the socket at `index` was readable after the last `poll`.
    public func isReadable(_ index: Int) -> Bool { events(at: index).contains(.readable) }
}
