import ArgumentParser
import Cluster
import Foundation

/// The keys of a peer that talks to a coordinator under CurveZMQ: one definition for the worker and every
/// client command, so the options, their check and the way keys are loaded cannot drift apart.
struct CurveClientOptions: ParsableArguments {
    @Option(help: "Our secret key file (from `salience keys generate`), when the coordinator requires CURVE.")
    var key: String?

    @Option(help: "The coordinator's public key: a .pub file or the 40 Z85 characters.")
    var serverKey: String?

    func validate() throws {
        if (key == nil) != (serverKey == nil) {
            throw ValidationError("--key and --server-key go together (CURVE needs both).")
        }
    }

    /// Whether keys were given (a command without a coordinator refuses them).
    var isGiven: Bool { key != nil }

    /// The CURVE setup, when keys were given.
    func security() throws -> CurveClientSecurity? {
        guard let key, let serverKey else { return nil }
        return CurveClientSecurity(
            serverKey: try KeyFiles.loadPublicKey(serverKey),
            keyPair: try KeyFiles.loadKeyPair(secretFile: URL(fileURLWithPath: key)))
    }

    /// A client for the coordinator at `endpoint`.
    func client(endpoint: String) throws -> ClusterClient {
        try ClusterClient(endpoint: endpoint, security: try security())
    }
}

/// Where the coordinator is and which keys to use: shared by the client commands that always talk to one.
struct CoordinatorConnectionOptions: ParsableArguments {
    @Option(name: .customLong("to"), help: "The coordinator's endpoint, e.g. tcp://head-node:5555.")
    var endpoint: String = "tcp://127.0.0.1:5555"

    @OptionGroup var curve: CurveClientOptions

    /// A client for the coordinator.
    func client() throws -> ClusterClient {
        try curve.client(endpoint: endpoint)
    }
}
