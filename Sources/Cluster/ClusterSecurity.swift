import Foundation
import ZeroMQ

/// The coordinator's CurveZMQ setup: its key pair and the public keys it admits, each with its roles. The ZAP
/// handler admits any listed key; the coordinator then refuses a worker command (HELLO, READY, RESULT,
/// HEARTBEAT, BYE) from a key without the worker role, and a client command from a key without the client
/// role, so that a key handed to an operator cannot join as a worker and take tasks.
public struct CurveServerSecurity: Sendable {
    /// The coordinator's key pair.
    public var keyPair: CurveKeyPair
    /// The admitted keys and their roles.
    public var allowlist: CurveAllowlist

    /// Public keys of the workers and clients allowed in (either role).
    public var allowedKeys: Set<CurveKey> { allowlist.all }

    /// A server setup with `keyPair` admitting `allowlist`.
    public init(keyPair: CurveKeyPair, allowlist: CurveAllowlist) {
        self.keyPair = keyPair
        self.allowlist = allowlist
    }

    /// A server setup admitting `allowedKeys` in both roles (the single `--allow` list of earlier versions).
    public init(keyPair: CurveKeyPair, allowedKeys: Set<CurveKey>) {
        self.init(keyPair: keyPair, allowlist: CurveAllowlist(workers: allowedKeys, clients: allowedKeys))
    }
}

/// Which public keys may act as workers and which as clients. A key may have both roles.
public struct CurveAllowlist: Sendable, Equatable {
    /// Keys that may say HELLO and run tasks.
    public var workers: Set<CurveKey>
    /// Keys that may submit, cancel, and read status and results.
    public var clients: Set<CurveKey>

    /// An allowlist with these roles.
    public init(workers: Set<CurveKey>, clients: Set<CurveKey>) {
        self.workers = workers
        self.clients = clients
    }

    /// Every admitted key.
    public var all: Set<CurveKey> { workers.union(clients) }

    /// The roles as Z85 text (what libzmq reports as a message's `User-Id`), for the coordinator's checks.
    var z85: (workers: Set<String>, clients: Set<String>) {
        (Set(workers.map(\.z85)), Set(clients.map(\.z85)))
    }
}

/// A worker's or client's CurveZMQ setup: the coordinator's public key and its own key pair.
public struct CurveClientSecurity: Sendable {
    /// The coordinator's public key (the connection fails if the server cannot prove it).
    public var serverKey: CurveKey
    /// Our key pair; its public key must be on the coordinator's allowlist.
    public var keyPair: CurveKeyPair

    /// A client setup.
    public init(serverKey: CurveKey, keyPair: CurveKeyPair) {
        self.serverKey = serverKey
        self.keyPair = keyPair
    }

    func apply(to socket: Socket) throws {
        try socket.makeCurveClient(serverKey: serverKey, keyPair: keyPair)
    }
}

/// Key files: `NAME.key` holds the Z85 secret key (mode 0600), `NAME.pub` the Z85 public key.
/// An allowlist is a text file of Z85 public keys, one per line (`#` starts a comment), or a directory
/// of `.pub` files.
public enum KeyFiles {
    /// Generates a key pair and writes `base.key` (created 0600, see ``PrivateFile``) and `base.pub`; refuses
    /// to overwrite either.
    @discardableResult
    public static func generate(at base: URL) throws -> CurveKeyPair {
        let secretURL = base.appendingPathExtension("key")
        let publicURL = base.appendingPathExtension("pub")
        for url in [secretURL, publicURL] where FileManager.default.fileExists(atPath: url.path) {
            throw ClusterError.badKeyFile(path: url.path, reason: "already exists; refusing to overwrite a key")
        }
        let pair = try CurveKeyPair.generate()
        let secretText = "# CurveZMQ secret key (Z85). Keep private.\n\(pair.secretKey.z85)\n"
        do {
            try PrivateFile.create(at: secretURL, contents: Data(secretText.utf8))
        } catch let error as PrivateFileError {
            throw ClusterError.badKeyFile(path: secretURL.path, reason: error.description)
        }
        let publicText = "# CurveZMQ public key (Z85). Add it to the coordinator's allowlist.\n\(pair.publicKey.z85)\n"
        try Data(publicText.utf8).write(to: publicURL, options: .withoutOverwriting)
        return pair
    }

    /// The first non-comment line of a key file.
    static func keyLine(_ url: URL) throws -> String {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw ClusterError.badKeyFile(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        guard let line = keyLines(text).first else {
            throw ClusterError.badKeyFile(path: url.path, reason: "no key in the file")
        }
        return line
    }

    static func keyLines(_ text: String) -> [String] {
        text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    /// Loads a key pair from a secret key file; refuses a file others can read.
    public static func loadKeyPair(secretFile url: URL) throws -> CurveKeyPair {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        if let mode = attributes?[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw ClusterError.badKeyFile(
                path: url.path, reason: "mode \(String(mode, radix: 8)) lets others read a secret key; chmod 600 it")
        }
        do { return try CurveKeyPair(secretKey: try CurveKey(z85: try keyLine(url))) } catch let error as ZMQError {
            throw ClusterError.badKeyFile(path: url.path, reason: error.message)
        }
    }

    /// A public key given as 40 Z85 characters or as a path to a `.pub` file.
    public static func loadPublicKey(_ textOrPath: String) throws -> CurveKey {
        if textOrPath.count == 40, let key = try? CurveKey(z85: textOrPath) { return key }
        let url = URL(fileURLWithPath: textOrPath)
        do { return try CurveKey(z85: try keyLine(url)) } catch let error as ZMQError {
            throw ClusterError.badKeyFile(path: url.path, reason: error.message)
        }
    }

    /// The public keys of an allowlist file or directory of `.pub` files.
    public static func loadAllowlist(_ url: URL) throws -> Set<CurveKey> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw ClusterError.badKeyFile(path: url.path, reason: "no such allowlist file or directory")
        }
        var keys = Set<CurveKey>()
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
            for name in names.sorted() where name.hasSuffix(".pub") {
                keys.insert(try loadPublicKey(url.appendingPathComponent(name).path))
            }
        } else {
            let bytes: Data
            do { bytes = try Data(contentsOf: url) } catch {
                throw ClusterError.badKeyFile(path: url.path, reason: "cannot read: \(error.localizedDescription)")
            }
            // A list that does not decode would otherwise read as empty, and admit nobody without a word.
            guard let text = String(data: bytes, encoding: .utf8) else {
                throw ClusterError.badKeyFile(
                    path: url.path, reason: "is not UTF-8 text (an allowlist is Z85 keys, one per line)")
            }
            for (number, line) in keyLines(text).enumerated() {
                do { keys.insert(try CurveKey(z85: line)) } catch let error as ZMQError {
                    throw ClusterError.badKeyFile(path: url.path, reason: "key \(number + 1): \(error.message)")
                }
            }
        }
        // An empty list admits nobody: a coordinator that can never get a worker is a mistake, not a setup.
        guard !keys.isEmpty else {
            throw ClusterError.badKeyFile(
                path: url.path,
                reason: isDirectory.boolValue
                    ? "the allowlist directory holds no .pub files; nobody could connect"
                    : "the allowlist holds no keys; nobody could connect")
        }
        return keys
    }
}

/// Which endpoints stay on this machine (and may run without CURVE).
public enum Loopback {
    /// True for ipc://, inproc:// and tcp:// on 127.0.0.0/8, ::1 or localhost.
    public static func isLoopback(_ endpoint: String) -> Bool {
        if endpoint.hasPrefix("ipc://") || endpoint.hasPrefix("inproc://") { return true }
        guard endpoint.hasPrefix("tcp://") else { return false }
        var host = String(endpoint.dropFirst("tcp://".count))
        if host.hasPrefix("[") {
            host = String(host.dropFirst().prefix { $0 != "]" })
        } else if let colon = host.lastIndex(of: ":") {
            host = String(host[..<colon])
        }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
