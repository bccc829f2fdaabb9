import CZeroMQ
import Foundation

/// A 32-byte CurveZMQ key (public or secret), printable as 40 Z85 characters.
public struct CurveKey: Hashable, Sendable, CustomStringConvertible {
    /// The raw key.
    public let bytes: [UInt8]

    /// A key from its 32 raw bytes.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == 32 else {
            throw ZMQError.invalid("CurveKey", "a Curve key has 32 bytes, got \(bytes.count)")
        }
        self.bytes = bytes
    }

    /// A key from its 40-character Z85 text (surrounding whitespace ignored).
    public init(z85 text: String) throws {
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count == 40 else {
            throw ZMQError.invalid("CurveKey", "a Z85 Curve key has 40 characters, got \(text.utf8.count)")
        }
        var raw = [UInt8](repeating: 0, count: 32)
        let decoded = raw.withUnsafeMutableBufferPointer { zmq_z85_decode($0.baseAddress, text) }
        guard decoded != nil else { throw ZMQError.invalid("CurveKey", "not valid Z85 text") }
        bytes = raw
    }

    /// The key as 40 Z85 characters.
    public var z85: String {
        var text = [CChar](repeating: 0, count: 41)
        _ = bytes.withUnsafeBufferPointer { zmq_z85_encode(&text, $0.baseAddress, 32) }
        return String(cString: text)
    }

    public var description: String { z85 }
}

/// A CurveZMQ key pair (`zmq_curve_keypair`).
public struct CurveKeyPair: Sendable {
    /// The key peers use to recognise us (shared freely).
    public let publicKey: CurveKey
    /// The key that proves it (kept secret).
    public let secretKey: CurveKey

    /// A fresh random key pair.
    public static func generate() throws -> CurveKeyPair {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicText, &secretText) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return CurveKeyPair(
            publicKey: try CurveKey(z85: String(cString: publicText)),
            secretKey: try CurveKey(z85: String(cString: secretText)))
    }

    /// The pair whose secret key is `secretKey` (the public key is derived with `zmq_curve_public`).
    public init(secretKey: CurveKey) throws {
        var publicText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicText, secretKey.z85) == 0 else { throw ZMQError.last("zmq_curve_public") }
        self.publicKey = try CurveKey(z85: String(cString: publicText))
        self.secretKey = secretKey
    }

    init(publicKey: CurveKey, secretKey: CurveKey) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }
}

extension Socket {
    /// Makes this socket a CurveZMQ server with `secretKey` (set before bind). Encryption alone admits any
    /// client key: run a `ZAPAuthenticator` in the same context to enforce an allowlist.
    public func makeCurveServer(secretKey: CurveKey) throws {
        try setOption(ZMQ_CURVE_SERVER, Int32(1), name: "ZMQ_CURVE_SERVER")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: secretKey.bytes, name: "ZMQ_CURVE_SECRETKEY")
    }

    /// Makes this socket a CurveZMQ client that expects the server's public key `serverKey` and proves
    /// itself with `keyPair` (set before connect).
    public func makeCurveClient(serverKey: CurveKey, keyPair: CurveKeyPair) throws {
        try setOption(ZMQ_CURVE_SERVERKEY, bytes: serverKey.bytes, name: "ZMQ_CURVE_SERVERKEY")
        try setOption(ZMQ_CURVE_PUBLICKEY, bytes: keyPair.publicKey.bytes, name: "ZMQ_CURVE_PUBLICKEY")
        try setOption(ZMQ_CURVE_SECRETKEY, bytes: keyPair.secretKey.bytes, name: "ZMQ_CURVE_SECRETKEY")
    }
}
