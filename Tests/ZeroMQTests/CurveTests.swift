import Foundation
import TestSupport
import XCTest

@testable import ZeroMQ

/// CurveZMQ keys, handshakes and the ZAP allowlist, over real TCP sockets.
final class CurveTests: XCTestCase {
    func testKeysRoundTripThroughZ85AndDerivePublicKey() throws {
        let pair = try CurveKeyPair.generate()
        XCTAssertEqual(pair.publicKey.z85.count, 40)
        XCTAssertEqual(try CurveKey(z85: pair.publicKey.z85), pair.publicKey)
        XCTAssertEqual(try CurveKeyPair(secretKey: pair.secretKey).publicKey, pair.publicKey)
        XCTAssertNotEqual(pair.publicKey, try CurveKeyPair.generate().publicKey)
        XCTAssertThrowsError(try CurveKey(z85: "short"))
        XCTAssertThrowsError(try CurveKey(bytes: [1, 2, 3]))
    }

    func testPublicKeyDerivationAgreesWithPyzmq() throws {
        let script = """
            import zmq
            public, secret = zmq.curve_keypair()
            print(public.decode(), secret.decode())
            """
        guard let result = try runReferencePython(script) else { throw XCTSkip("no reference python venv") }
        guard result.status == 0 else { throw XCTSkip("pyzmq unavailable: \(result.stderr)") }
        let parts = result.stdout.split(separator: " ").map {
            String($0).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        XCTAssertEqual(parts.count, 2)
        let pair = try CurveKeyPair(secretKey: try CurveKey(z85: parts[1]))
        XCTAssertEqual(pair.publicKey.z85, parts[0])
    }

    /// A CURVE server with a ZAP allowlist, and a helper to try one client against it.
    private struct Server {
        let context: Context
        let socket: Socket
        let endpoint: String
        let keys: CurveKeyPair
        let authenticator: ZAPAuthenticator

        init(allowed: Set<CurveKey>) throws {
            context = try Context()
            keys = try CurveKeyPair.generate()
            authenticator = try ZAPAuthenticator(context: context, allowedKeys: allowed)
            socket = try Socket(context, .router)
            try socket.makeCurveServer(secretKey: keys.secretKey)
            try socket.setReceiveTimeout(milliseconds: 100)
            try socket.bind("tcp://127.0.0.1:*")
            endpoint = try socket.lastEndpoint
        }

        /// Sends "hello" from `client` and reports whether the server received it within ~1.5 s.
        func delivers(from client: Socket) throws -> Bool {
            try client.setSendTimeout(milliseconds: 0)
            try client.connect(endpoint)
            for _ in 0..<15 {
                _ = try client.send(string: "hello", dontWait: true)
                if let frames = try socket.receiveMultipart() {
                    return frames.last?.string == "hello"
                }
            }
            return false
        }
    }

    private func client(_ context: Context, serverKey: CurveKey?, keys: CurveKeyPair?) throws -> Socket {
        let socket = try Socket(context, .dealer)
        if let serverKey, let keys { try socket.makeCurveClient(serverKey: serverKey, keyPair: keys) }
        return socket
    }

    func testHandshakeSucceedsWithRightServerKeyAndAllowedClient() throws {
        let clientKeys = try CurveKeyPair.generate()
        let server = try Server(allowed: [clientKeys.publicKey])
        defer { server.authenticator.stop() }
        let context = try Context()
        let socket = try client(context, serverKey: server.keys.publicKey, keys: clientKeys)
        XCTAssertTrue(try server.delivers(from: socket))
        XCTAssertEqual(server.authenticator.counts.admitted, 1)
        XCTAssertEqual(try server.socket.mechanism, 2)
    }

    func testHandshakeFailsWithWrongServerKey() throws {
        let clientKeys = try CurveKeyPair.generate()
        let server = try Server(allowed: [clientKeys.publicKey])
        defer { server.authenticator.stop() }
        let context = try Context()
        let impostorKey = try CurveKeyPair.generate().publicKey
        let socket = try client(context, serverKey: impostorKey, keys: clientKeys)
        XCTAssertFalse(try server.delivers(from: socket))
        XCTAssertEqual(server.authenticator.counts.admitted, 0)
    }

    func testZAPRefusesUnknownClientKey() throws {
        let server = try Server(allowed: [try CurveKeyPair.generate().publicKey])
        defer { server.authenticator.stop() }
        let context = try Context()
        let socket = try client(context, serverKey: server.keys.publicKey, keys: try CurveKeyPair.generate())
        XCTAssertFalse(try server.delivers(from: socket))
        XCTAssertGreaterThanOrEqual(server.authenticator.counts.refused, 1)
        XCTAssertEqual(server.authenticator.counts.admitted, 0)
    }

    func testPlaintextClientCannotTalkToCurveServer() throws {
        let server = try Server(allowed: [])
        defer { server.authenticator.stop() }
        let context = try Context()
        let socket = try client(context, serverKey: nil, keys: nil)
        XCTAssertFalse(try server.delivers(from: socket))
    }
}
