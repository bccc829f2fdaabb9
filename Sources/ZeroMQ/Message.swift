import CZeroMQ
import Foundation

/// One frame, backed by a libzmq `zmq_msg_t`: received frames are exposed without copying.
///
/// The bytes stay valid for as long as the `Message` (or a `Data` made by `data`) is alive. A message is
/// not thread-safe; hand it to another thread only as a whole.
public final class Message {
    /// The libzmq message, on the heap so its address never moves.
    let pointer: UnsafeMutablePointer<zmq_msg_t>
    /// Whether more frames of the same multipart message follow this one (set on receive).
    public internal(set) var hasMore = false

    /// An empty message, ready to receive into.
    public init() {
        pointer = .allocate(capacity: 1)
        zmq_msg_init(pointer)
    }

    /// A message of `count` bytes that `fill` writes directly into libzmq's buffer (no extra copy on send).
    public init(count: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        pointer = .allocate(capacity: 1)
        guard zmq_msg_init_size(pointer, count) == 0 else {
            let error = ZMQError.last("zmq_msg_init_size \(count)")
            pointer.deallocate()
            throw error
        }
        try fill(UnsafeMutableRawBufferPointer(start: zmq_msg_data(pointer), count: count))
    }

    /// A message holding a copy of `bytes`.
    public convenience init<Bytes: ContiguousBytes>(copying bytes: Bytes) throws {
        let count = bytes.withUnsafeBytes { $0.count }
        try self.init(count: count) { destination in
            bytes.withUnsafeBytes { source in
                if let base = source.baseAddress, source.count > 0 {
                    destination.baseAddress?.copyMemory(from: base, byteCount: source.count)
                }
            }
        }
    }

    /// The number of bytes in the frame.
    public var count: Int { zmq_msg_size(pointer) }

    /// The frame's bytes, valid while this message is alive and not sent.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: zmq_msg_data(pointer), count: zmq_msg_size(pointer))
    }

    /// Calls `body` with the frame's bytes, without copying.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(bytes)
    }

    /// The frame as `Data`. Large frames are not copied: the `Data` keeps this message alive instead.
    /// (Foundation copies frames of a few bytes into its inline storage, which is cheaper than sharing.)
    public var data: Data {
        let count = self.count
        guard count > 0, let base = zmq_msg_data(pointer) else { return Data() }
        return Data(bytesNoCopy: base, count: count, deallocator: .custom { _, _ in withExtendedLifetime(self) {} })
    }

    /// A metadata property of a received frame (`zmq_msg_gets`), or nil when it has none: `Peer-Address`
    /// (the sender's IP address, TCP only), `User-Id` (what the ZAP handler returned for the connection: for
    /// `ZAPAuthenticator`, the peer's CURVE public key in Z85). The coordinator names peers and checks their
    /// role by these, since a routing id is whatever the peer chose.
    public func property(_ name: String) -> String? {
        guard let value = zmq_msg_gets(pointer, name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// A copy of the frame as an array.
    public var array: [UInt8] { [UInt8](bytes) }

    /// The frame decoded as UTF-8 (invalid sequences replaced), for small text frames.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    deinit {
        zmq_msg_close(pointer)
        pointer.deallocate()
    }
}
