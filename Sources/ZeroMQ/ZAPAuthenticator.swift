import CZeroMQ
import Foundation

/// One authentication request a ZAP handler saw (ZeroMQ RFC 27).
public struct ZAPRequest: Sendable {
    /// The ZAP domain of the server socket.
    public var domain: String
    /// The peer's IP address.
    public var address: String
    /// The security mechanism: "NULL", "PLAIN" or "CURVE".
    public var mechanism: String
    /// For CURVE, the client's long-term public key.
    public var clientKey: CurveKey?
}

/// A ZAP handler (`inproc://zeromq.zap.01`) admitting only CURVE clients whose public key is on an
/// allowlist. CurveZMQ by itself encrypts but admits any key; this is what enforces who may connect.
///
/// It runs its own thread with its own REP socket in the given context, and must be started before the
/// server socket binds. Only one authenticator may run per context. The allowlist may be replaced from
/// any thread.
public final class ZAPAuthenticator {
    /// The endpoint libzmq sends ZAP requests to (fixed by RFC 27).
    public static let endpoint = "inproc://zeromq.zap.01"
    /// How often the handler thread checks for `stop()`, in milliseconds.
    static let stopCheckMilliseconds = 100

    private let lock = NSLock()
    private var allowed: Set<CurveKey>
    private var allowNull: Bool
    private var stopping = false
    private let finished = DispatchSemaphore(value: 0)
    private var admittedCount = 0
    private var refusedCount = 0
    private let onDecision: (@Sendable (ZAPRequest, Bool) -> Void)?

    /// Binds the handler in `context` and starts its thread. `allowNull` admits NULL-mechanism peers of
    /// sockets that set a ZAP domain (plaintext); `onDecision` is called on the handler thread.
    public init(
        context: Context, allowedKeys: Set<CurveKey>, allowNull: Bool = false,
        onDecision: (@Sendable (ZAPRequest, Bool) -> Void)? = nil
    ) throws {
        self.allowed = allowedKeys
        self.allowNull = allowNull
        self.onDecision = onDecision
        let socket = try Socket(context, .rep)
        try socket.bind(ZAPAuthenticator.endpoint)
        // The socket moves to the handler thread before that thread starts (a full memory barrier).
        let thread = Thread { [self] in serve(socket) }
        thread.name = "zap-authenticator"
        thread.start()
    }

    /// Replaces the allowlist (takes effect for the next handshake).
    public func setAllowedKeys(_ keys: Set<CurveKey>) {
        lock.withLock { allowed = keys }
    }

    /// How many handshakes were admitted and refused so far.
    public var counts: (admitted: Int, refused: Int) { lock.withLock { (admittedCount, refusedCount) } }

    /// Stops the handler thread and closes its socket; waits for it. Idempotent.
    public func stop() {
        let wasStopping = lock.withLock {
            let was = stopping
            stopping = true
            return was
        }
        if !wasStopping { finished.wait() }
    }

    deinit { stop() }

    private func serve(_ socket: Socket) {
        defer {
            socket.close()
            finished.signal()
        }
        let poller = Poller()
        do { try poller.register(socket) } catch { return }
        while !lock.withLock({ stopping }) {
            do {
                guard try poller.poll(timeoutMilliseconds: ZAPAuthenticator.stopCheckMilliseconds) > 0,
                    let frames = try socket.receiveMultipart(dontWait: true)
                else { continue }
                try answer(frames, on: socket)
            } catch {
                return  // context terminated or socket broken: nothing left to authenticate
            }
        }
    }

    private func answer(_ frames: [Message], on socket: Socket) throws {
        // version, request id, domain, address, identity, mechanism, credentials...
        guard frames.count >= 6, frames[0].string == "1.0" else {
            let requestID = frames.count > 1 ? frames[1].array : []
            try socket.send(multipart: [
                Array("1.0".utf8), requestID, Array("500".utf8), Array("bad request".utf8), [], [],
            ])
            return
        }
        let mechanism = frames[5].string
        let key = mechanism == "CURVE" && frames.count >= 7 ? try? CurveKey(bytes: frames[6].array) : nil
        let request = ZAPRequest(
            domain: frames[2].string, address: frames[3].string, mechanism: mechanism, clientKey: key)
        let admitted: Bool = lock.withLock {
            let verdict: Bool
            switch mechanism {
            case "CURVE": verdict = key.map { allowed.contains($0) } ?? false
            case "NULL": verdict = allowNull
            default: verdict = false
            }
            if verdict { admittedCount += 1 } else { refusedCount += 1 }
            return verdict
        }
        onDecision?(request, admitted)
        let userID = key?.z85 ?? ""
        try socket.send(multipart: [
            Array("1.0".utf8), frames[1].array, Array((admitted ? "200" : "400").utf8),
            Array((admitted ? "OK" : "key not on the allowlist").utf8), Array(userID.utf8), [],
        ])
    }
}
