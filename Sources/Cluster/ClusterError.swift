import Foundation

/// Failures of the cluster runtime, each naming the peer, run, task or file concerned.
public enum ClusterError: Error, CustomStringConvertible, Equatable {
    /// A message that does not follow cluster/PROTOCOL.md.
    case malformedMessage(peer: String, reason: String)
    /// A message with a protocol version this build does not speak.
    case unsupportedVersion(peer: String, version: UInt8)
    /// A worker or client of another build than the coordinator's (`theirs` nil: it did not say, being older
    /// than the version field), refused at HELLO or at the request `command`.
    case versionMismatch(peer: String, command: String, theirs: String?, ours: String)
    /// The coordinator did not answer in time.
    case timeout(endpoint: String, seconds: Double)
    /// The coordinator answered with an error.
    case coordinatorError(code: String, message: String)
    /// A run id the coordinator does not know.
    case unknownRun(String)
    /// A task kind no planner or executor is registered for.
    case unknownKind(String)
    /// A data path that leaves the data root, or is absolute.
    case pathEscapesDataRoot(path: String, root: String)
    /// An output path that leaves the output root (through `..`, a symbolic link, or being absolute elsewhere).
    case pathEscapesOutputRoot(path: String, root: String)
    /// The ledger (SQLite) failed.
    case ledger(String)
    /// A key or allowlist file that cannot be used.
    case badKeyFile(path: String, reason: String)
    /// A configuration that is not allowed (for example a public bind without CURVE).
    case insecureConfiguration(String)
    /// A peer acting in a role its CURVE key does not have (a client key saying HELLO, a worker key
    /// submitting).
    case forbidden(peer: String, reason: String)
    /// A `--state` directory (or its ledger) that cannot be used, and why.
    case badState(path: String, reason: String)
    /// Another coordinator holds the lock on the state directory.
    case stateInUse(path: String, holder: String)
    /// Anything else the runtime refuses, with a reason.
    case invalid(String)

    /// The ERROR code a `versionMismatch` is answered with; a worker that gets it stops (it can never be
    /// admitted), a client reports it.
    public static let versionMismatchCode = "version-mismatch"

    public var description: String {
        switch self {
        case .malformedMessage(let peer, let reason): return "malformed message from \(peer): \(reason)"
        case .unsupportedVersion(let peer, let version):
            return "unsupported protocol version \(version) from \(peer) (this build speaks \(WireProtocol.version))"
        case .versionMismatch(let peer, let command, let theirs, let ours):
            let said =
                theirs.map { "it runs salience \($0)" }
                ?? "its \(command) carries no build version (a salience build older than version checks, or a "
                + "client that does not send 'version')"
            return "refused \(peer): \(said), this coordinator runs salience \(ours); every worker and client "
                + "of a cluster must run the same build (compare `salience --version`; cluster/PROTOCOL.md, "
                + "\"Build versions\")"
        case .timeout(let endpoint, let seconds):
            return "no reply from the coordinator at \(endpoint) within \(seconds) s (is it running? right key?)"
        case .coordinatorError(let code, let message): return "coordinator refused (\(code)): \(message)"
        case .unknownRun(let run): return "no run '\(run)' on this coordinator"
        case .unknownKind(let kind): return "no executor or planner registered for kind '\(kind)'"
        case .pathEscapesDataRoot(let path, let root): return "data path '\(path)' escapes the data root \(root)"
        case .pathEscapesOutputRoot(let path, let root):
            return "output path '\(path)' escapes the output root \(root) (give the worker --output-root)"
        case .ledger(let message): return "ledger: \(message)"
        case .badKeyFile(let path, let reason): return "key file \(path): \(reason)"
        case .insecureConfiguration(let message): return message
        case .forbidden(let peer, let reason): return "refused \(peer): \(reason)"
        case .badState(let path, let reason): return "state \(path): \(reason)"
        case .stateInUse(let path, let holder):
            return "state directory \(path) is in use by another coordinator (\(holder)); stop it first, "
                + "or give this one another --state"
        case .invalid(let message): return message
        }
    }
}
