import CZeroMQ

/// Socket options. Setting an option affects connections made after it; set them before bind/connect.
/// Times are in milliseconds; -1 means "forever" / "not set" as in libzmq.
extension Socket {
    func setOption(_ option: Int32, _ value: Int32, name: String) throws {
        var value = value
        guard zmq_setsockopt(try open("setsockopt \(name)"), option, &value, MemoryLayout<Int32>.size) == 0 else {
            throw ZMQError.last("setsockopt \(name) = \(value)")
        }
    }

    func setOption(_ option: Int32, _ value: Int64, name: String) throws {
        var value = value
        guard zmq_setsockopt(try open("setsockopt \(name)"), option, &value, MemoryLayout<Int64>.size) == 0 else {
            throw ZMQError.last("setsockopt \(name) = \(value)")
        }
    }

    func setOption(_ option: Int32, bytes: [UInt8], name: String) throws {
        let handle = try open("setsockopt \(name)")
        let result = bytes.withUnsafeBytes { zmq_setsockopt(handle, option, $0.baseAddress, $0.count) }
        guard result == 0 else { throw ZMQError.last("setsockopt \(name) (\(bytes.count) bytes)") }
    }

    func int32Option(_ option: Int32, name: String) throws -> Int32 {
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(try open("getsockopt \(name)"), option, &value, &size) == 0 else {
            throw ZMQError.last("getsockopt \(name)")
        }
        return value
    }

    func int64Option(_ option: Int32, name: String) throws -> Int64 {
        var value: Int64 = 0
        var size = MemoryLayout<Int64>.size
        guard zmq_getsockopt(try open("getsockopt \(name)"), option, &value, &size) == 0 else {
            throw ZMQError.last("getsockopt \(name)")
        }
        return value
    }

    func bytesOption(_ option: Int32, capacity: Int, name: String) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: capacity)
        var size = capacity
        let handle = try open("getsockopt \(name)")
        let result = buffer.withUnsafeMutableBytes { zmq_getsockopt(handle, option, $0.baseAddress, &size) }
        guard result == 0 else { throw ZMQError.last("getsockopt \(name)") }
        return Array(buffer.prefix(size))
    }

    func stringOption(_ option: Int32, name: String) throws -> String {
        var bytes = try bytesOption(option, capacity: 1024, name: name)
        while bytes.last == 0 { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// How long unsent messages are kept after `close()` (`ZMQ_LINGER`).
    public func setLinger(milliseconds: Int32) throws { try setOption(ZMQ_LINGER, milliseconds, name: "ZMQ_LINGER") }

    /// The most messages queued for sending per peer before sends block or drop (`ZMQ_SNDHWM`; 0 = no limit).
    public func setSendHighWaterMark(_ messages: Int32) throws {
        try setOption(ZMQ_SNDHWM, messages, name: "ZMQ_SNDHWM")
    }

    /// The most messages queued on receive per peer (`ZMQ_RCVHWM`; 0 = no limit).
    public func setReceiveHighWaterMark(_ messages: Int32) throws {
        try setOption(ZMQ_RCVHWM, messages, name: "ZMQ_RCVHWM")
    }

    /// The largest frame accepted from a peer; a peer sending more is disconnected (`ZMQ_MAXMSGSIZE`, -1 = any).
    public func setMaximumMessageSize(_ bytes: Int64) throws {
        try setOption(ZMQ_MAXMSGSIZE, bytes, name: "ZMQ_MAXMSGSIZE")
    }

    /// ZMTP heartbeats: send a PING every `interval` ms (`ZMQ_HEARTBEAT_IVL`), ask the peer to time us out
    /// after `timeToLive` ms (`ZMQ_HEARTBEAT_TTL`), and drop the connection when no traffic arrives within
    /// `timeout` ms of a PING (`ZMQ_HEARTBEAT_TIMEOUT`).
    public func setHeartbeat(interval: Int32, timeToLive: Int32, timeout: Int32) throws {
        try setOption(ZMQ_HEARTBEAT_IVL, interval, name: "ZMQ_HEARTBEAT_IVL")
        try setOption(ZMQ_HEARTBEAT_TTL, timeToLive, name: "ZMQ_HEARTBEAT_TTL")
        try setOption(ZMQ_HEARTBEAT_TIMEOUT, timeout, name: "ZMQ_HEARTBEAT_TIMEOUT")
    }

    /// On a ROUTER: fail sends to unknown peers with `EHOSTUNREACH` instead of silently dropping them
    /// (`ZMQ_ROUTER_MANDATORY`).
    public func setRouterMandatory(_ on: Bool) throws {
        try setOption(ZMQ_ROUTER_MANDATORY, Int32(on ? 1 : 0), name: "ZMQ_ROUTER_MANDATORY")
    }

    /// On a ROUTER: a new connection with an existing routing id takes it over (`ZMQ_ROUTER_HANDOVER`).
    public func setRouterHandover(_ on: Bool) throws {
        try setOption(ZMQ_ROUTER_HANDOVER, Int32(on ? 1 : 0), name: "ZMQ_ROUTER_HANDOVER")
    }

    /// The identity a ROUTER peer sees for this socket (`ZMQ_ROUTING_ID`, 1-255 bytes, not starting with 0).
    public var routingID: [UInt8] {
        get throws { try bytesOption(ZMQ_ROUTING_ID, capacity: 256, name: "ZMQ_ROUTING_ID") }
    }

    /// Sets the identity a ROUTER peer sees for this socket (before connect).
    public func setRoutingID(_ id: [UInt8]) throws {
        guard (1...255).contains(id.count), id.first != 0 else {
            throw ZMQError.invalid("setsockopt ZMQ_ROUTING_ID", "routing id must be 1-255 bytes not starting with 0")
        }
        try setOption(ZMQ_ROUTING_ID, bytes: id, name: "ZMQ_ROUTING_ID")
    }

    /// How long a blocking receive waits before returning nil (`ZMQ_RCVTIMEO`, -1 = forever).
    public func setReceiveTimeout(milliseconds: Int32) throws {
        try setOption(ZMQ_RCVTIMEO, milliseconds, name: "ZMQ_RCVTIMEO")
    }

    /// How long a blocking send waits before returning false (`ZMQ_SNDTIMEO`, -1 = forever).
    public func setSendTimeout(milliseconds: Int32) throws {
        try setOption(ZMQ_SNDTIMEO, milliseconds, name: "ZMQ_SNDTIMEO")
    }

    /// Queue messages only to completed connections (`ZMQ_IMMEDIATE`), so a dead peer does not swallow them.
    public func setImmediate(_ on: Bool) throws {
        try setOption(ZMQ_IMMEDIATE, Int32(on ? 1 : 0), name: "ZMQ_IMMEDIATE")
    }

    /// The first reconnection delay and the cap of its exponential back-off (`ZMQ_RECONNECT_IVL`,
    /// `ZMQ_RECONNECT_IVL_MAX`; a max of 0 disables back-off).
    public func setReconnectInterval(milliseconds: Int32, maximum: Int32 = 0) throws {
        try setOption(ZMQ_RECONNECT_IVL, milliseconds, name: "ZMQ_RECONNECT_IVL")
        try setOption(ZMQ_RECONNECT_IVL_MAX, maximum, name: "ZMQ_RECONNECT_IVL_MAX")
    }

    /// The longest a security handshake may take before the connection is dropped (`ZMQ_HANDSHAKE_IVL`).
    public func setHandshakeInterval(milliseconds: Int32) throws {
        try setOption(ZMQ_HANDSHAKE_IVL, milliseconds, name: "ZMQ_HANDSHAKE_IVL")
    }

    /// The ZAP domain sent to the authentication handler (`ZMQ_ZAP_DOMAIN`); with a domain set, even NULL
    /// (plaintext) connections are passed to the ZAP handler.
    public func setZAPDomain(_ domain: String) throws {
        try setOption(ZMQ_ZAP_DOMAIN, bytes: Array(domain.utf8), name: "ZMQ_ZAP_DOMAIN")
    }

    /// Whether the last received frame has more frames after it (`ZMQ_RCVMORE`).
    public var receiveMore: Bool {
        get throws { try int32Option(ZMQ_RCVMORE, name: "ZMQ_RCVMORE") != 0 }
    }

    /// The security mechanism in use: 0 NULL, 1 PLAIN, 2 CURVE (`ZMQ_MECHANISM`).
    public var mechanism: Int32 {
        get throws { try int32Option(ZMQ_MECHANISM, name: "ZMQ_MECHANISM") }
    }

    /// The current `ZMQ_MAXMSGSIZE`.
    public var maximumMessageSize: Int64 {
        get throws { try int64Option(ZMQ_MAXMSGSIZE, name: "ZMQ_MAXMSGSIZE") }
    }

    /// The current `ZMQ_LINGER`.
    public var linger: Int32 {
        get throws { try int32Option(ZMQ_LINGER, name: "ZMQ_LINGER") }
    }
}
