import Foundation
import Logging
import ZeroMQ

/// Who sent a message, as far as the coordinator can tell: the routing id (chosen by the peer, so only a
/// name), the address libzmq saw, and under CURVE the public key the ZAP handler admitted (the only proof
/// of who it is). Refusals name all three, so an operator can find the peer and revoke its key.
struct PeerIdentity: CustomStringConvertible {
    var name: String
    var address: String?
    var key: String?

    var description: String {
        let parts = [address.map { "address \($0)" }, key.map { "key \($0)" }].compactMap { $0 }
        return parts.isEmpty ? name : "\(name) (\(parts.joined(separator: ", ")))"
    }

    /// Whom a lease is recorded to: the worker's name, and under CURVE its key too, so that another peer
    /// choosing the same routing id cannot claim the lease without the key.
    var holder: String { key.map { "\(name) key=\($0)" } ?? name }
}

/// The role a command needs (cluster/PROTOCOL.md, section 6).
enum PeerRole: String {
    case worker, client
}

// Receiving: decoding, roles, protocol errors, sending.
extension Coordinator {
    /// A printable name of a peer's routing id.
    func peerName(_ id: Data) -> String {
        if let worker = workers[id] { return worker.name }
        if id.count <= ClusterDefaults.maximumNameBytes, let text = String(data: id, encoding: .utf8),
            text.allSatisfy({ $0.isASCII && !$0.isNewline }), id.first != 0
        {
            return text
        }
        return "peer-" + id.prefix(32).map { String(format: "%02x", $0) }.joined()
    }

    func handle(_ frames: [Message], on socket: Socket) {
        guard let identity = frames.first?.data else { return }
        let last = frames.last
        let peer = PeerIdentity(
            name: peerName(identity), address: last?.property("Peer-Address"), key: last?.property("User-Id"))
        do {
            let message = try WireMessage.decode(frames.dropFirst(), peer: peer.description)
            try checkRole(of: message.command, peer: peer)
            if let worker = workers[identity] { worker.lastSeen = Coordinator.now() }
            try handle(message, from: identity, peer: peer, on: socket)
        } catch ClusterError.unknownRun(let run) {
            // A typo'd or forgotten run id is the client's mistake, not a broken message: it is answered with
            // an ERROR the client prints, logged at info, and not counted in `protocol_errors` (which is for
            // peers that break the protocol).
            logger.info("no such run; client told", metadata: ["peer": "\(peer)", "run": "\(run)"])
            let error = ClusterError.unknownRun(run)
            send(.error, ErrorBody(code: "unknown-run", message: error.description), to: identity, on: socket)
        } catch let error as ClusterError {
            let code: String
            switch error {
            case .unsupportedVersion: code = "unsupported-version"
            case .versionMismatch: code = ClusterError.versionMismatchCode
            case .malformedMessage: code = "malformed"
            case .unknownKind: code = "unknown-planner"
            case .forbidden: code = "forbidden"
            default: code = "refused"
            }
            noteProtocolError(error, peer: peer)
            send(.error, ErrorBody(code: code, message: error.description), to: identity, on: socket)
        } catch {
            noteProtocolError(error, peer: peer)
        }
    }

    /// Counts a refused message (STATUS `protocol_errors`) and logs it; after the first
    /// `ClusterDefaults.protocolErrorsLoggedInFull`, only every 100th, so a hostile stream cannot fill the disk.
    func noteProtocolError(_ error: Error, peer: PeerIdentity) {
        protocolErrors += 1
        if protocolErrors <= ClusterDefaults.protocolErrorsLoggedInFull || protocolErrors % 100 == 0 {
            logger.warning(
                "protocol error: message refused",
                metadata: ["peer": "\(peer)", "error": "\(error)", "count": "\(protocolErrors)"])
        }
    }

    /// Under CURVE, refuses a worker command from a key without the worker role and a client command from a
    /// key without the client role. Without CURVE (loopback only) every peer has both roles.
    func checkRole(of command: Command, peer: PeerIdentity) throws {
        guard let roles = currentRoles else { return }
        let role: PeerRole
        switch command {
        case .hello, .ready, .result, .heartbeat, .bye: role = .worker
        case .submit, .status, .workers, .cancel, .results: role = .client
        default: return  // commands never sent to a coordinator are refused as malformed later
        }
        let allowed = role == .worker ? roles.workers : roles.clients
        guard let key = peer.key, allowed.contains(key) else {
            throw ClusterError.forbidden(
                peer: peer.description,
                reason: "\(command.rawValue) needs the \(role.rawValue) role, which this key does not have "
                    + "(see --worker-keys / --client-keys)")
        }
    }

    func handle(_ message: WireMessage, from identity: Data, peer: PeerIdentity, on socket: Socket) throws {
        let name = peer.description
        switch message.command {
        case .hello: try handleHello(message, from: identity, peer: peer, on: socket)
        case .ready:
            let body = try WireDecoder.ready(message, peer: name)
            guard let worker = try knownWorker(identity, peer: name, on: socket) else { return }
            // Both are at most the window (checked at HELLO and here), so the sum cannot overflow.
            worker.credit = min(worker.window, worker.credit + body.credit)
        case .result: try handleResult(message, from: identity, peer: peer, on: socket)
        case .heartbeat:
            let body = try WireDecoder.heartbeat(message, peer: name)
            guard let worker = try knownWorker(identity, peer: name, on: socket) else { return }
            if let holding = body.holding {
                reclaimUnlistedLeases(of: worker, holding: Set(holding), now: Coordinator.now())
            }
        case .bye:
            if let worker = workers[identity] { removeWorker(worker, reason: "said goodbye", expected: true) }
        case .submit: try handleSubmit(message, from: identity, peer: name, on: socket)
        case .status: try handleStatus(message, from: identity, peer: name, on: socket)
        case .workers: try handleWorkers(message, from: identity, peer: name, on: socket)
        case .cancel: try handleCancel(message, from: identity, peer: name, on: socket)
        case .results: try handleResults(message, from: identity, peer: name, on: socket)
        case .welcome, .tasks, .ack, .submitted, .cancelled, .error:
            throw ClusterError.malformedMessage(
                peer: name, reason: "\(message.command.rawValue) is not sent to a coordinator")
        }
    }

    /// The worker record of `identity`; when unknown (e.g. after a coordinator restart) tells the peer to
    /// say HELLO again and returns nil.
    func knownWorker(_ identity: Data, peer: String, on socket: Socket) throws -> WorkerRecord? {
        if let worker = workers[identity] { return worker }
        send(.error, ErrorBody(code: "unknown-worker", message: "say HELLO first"), to: identity, on: socket)
        return nil
    }

    // MARK: Ledger failures

    /// A cycle failed (the ledger could not commit: a full disk, an I/O error). Nothing was acknowledged, so
    /// nothing is lost; the loop retries every 0.1 s. STATUS shows the failure; the log gets its first
    /// occurrence, then one line per `ClusterDefaults.repeatedErrorLogInterval` with the repeats.
    func noteCycleFailure(_ error: Error, now: Double) {
        let message = "\(error)"
        if var failure = ledgerFailure {
            failure.count += 1
            failure.message = message
            if now - failure.lastLogged >= ClusterDefaults.repeatedErrorLogInterval {
                logger.error(
                    "coordinator cycle still failing; results are not acknowledged until it recovers",
                    metadata: [
                        "error": "\(message)", "since_seconds": "\(Int(now - failure.since))",
                        "repeats": "\(failure.suppressed + 1)",
                    ])
                failure.lastLogged = now
                failure.suppressed = 0
            } else {
                failure.suppressed += 1
            }
            ledgerFailure = failure
        } else {
            logger.error(
                "coordinator cycle failed; retrying (results are not acknowledged until it recovers)",
                metadata: ["error": "\(message)"])
            ledgerFailure = (message, now, 1, now, 0)
        }
    }

    /// The ledger committed again: the failure ends (logged once).
    func clearCycleFailure() {
        guard let failure = ledgerFailure else { return }
        logger.notice(
            "coordinator cycle recovered",
            metadata: ["failed_cycles": "\(failure.count)", "seconds": "\(Int(Coordinator.now() - failure.since))"])
        ledgerFailure = nil
    }

    // MARK: Sending

    /// Sends a message to a peer without blocking; false when the peer is gone or its queue is full.
    @discardableResult
    func send(_ message: WireMessage, to identity: Data, on socket: Socket) -> Bool {
        do {
            return try socket.send(multipart: [identity] + message.encoded, dontWait: true)
        } catch {
            return false  // EHOSTUNREACH: the peer disconnected; heartbeats will tell.
        }
    }

    @discardableResult
    func send<Body: Encodable>(_ command: Command, _ body: Body, to identity: Data, on socket: Socket) -> Bool {
        send(WireMessage(command, body), to: identity, on: socket)
    }
}
