import CZeroMQ

/// The socket patterns this module supports.
public enum SocketType: Sendable, CustomStringConvertible {
    /// Addressed request-reply server side: every message is prefixed with the peer's routing id.
    case router
    /// Asynchronous request-reply client side: round-robin outgoing, fair-queued incoming.
    case dealer
    /// Strict send-then-receive client.
    case req
    /// Strict receive-then-send server.
    case rep
    /// Publisher of a fan-out.
    case pub
    /// Subscriber of a fan-out (subscribe with `Socket.subscribe`).
    case sub
    /// Pipeline producer.
    case push
    /// Pipeline consumer.
    case pull

    var rawValue: Int32 {
        switch self {
        case .router: return ZMQ_ROUTER
        case .dealer: return ZMQ_DEALER
        case .req: return ZMQ_REQ
        case .rep: return ZMQ_REP
        case .pub: return ZMQ_PUB
        case .sub: return ZMQ_SUB
        case .push: return ZMQ_PUSH
        case .pull: return ZMQ_PULL
        }
    }

    public var description: String {
        switch self {
        case .router: return "ROUTER"
        case .dealer: return "DEALER"
        case .req: return "REQ"
        case .rep: return "REP"
        case .pub: return "PUB"
        case .sub: return "SUB"
        case .push: return "PUSH"
        case .pull: return "PULL"
        }
    }
}
