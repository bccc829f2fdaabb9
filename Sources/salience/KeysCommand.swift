import ArgumentParser
import Cluster
import Foundation

/// `salience keys`: CurveZMQ key handling.
struct KeysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys", abstract: "Manage CurveZMQ keys for the cluster.",
        subcommands: [KeysGenerateCommand.self])
}

/// `salience keys generate NAME`: writes NAME.key (secret, mode 0600) and NAME.pub.
struct KeysGenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Write a new key pair: NAME.key (secret, mode 0600) and NAME.pub (public).",
        discussion: """
            Put each worker's and client's .pub into the coordinator's allowlist directory.

            Example:
              salience keys generate keys/coordinator
              salience keys generate keys/allowed/worker-1
            """)

    @Argument(help: "Path and base name of the key files (without extension).")
    var name: String

    func run() throws {
        let base = URL(fileURLWithPath: name)
        // Directories made here hold secrets: 0700 from their mkdir (cluster/DEPLOY.md).
        do {
            try PrivateFile.createDirectories(at: base.deletingLastPathComponent())
        } catch let error as PrivateFileError {
            throw CommandFailure("cannot make the key directory: \(error)")
        }
        let pair = try KeyFiles.generate(at: base)
        print("wrote \(name).key (secret, mode 0600) and \(name).pub")
        print("public key: \(pair.publicKey.z85)")
    }
}
