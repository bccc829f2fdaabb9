import ArgumentParser
import Cluster
import Foundation
import Logging
import Scan

/// `salience coordinator`: the long-lived scheduler of a deployment.
struct CoordinatorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "coordinator",
        abstract: "Run the cluster coordinator: it schedules tasks over workers and keeps the ledger.",
        discussion: """
            One coordinator per deployment. Runs are kept in a SQLite ledger in --state, so a restarted \
            coordinator resumes them and workers reattach by themselves. Binding beyond loopback requires \
            CurveZMQ: --key (our secret key) and the public keys admitted, by role: --worker-keys (may join \
            as workers and run tasks) and --client-keys (may submit, cancel, read status and results). A key \
            may be on both. --allow, the single list of earlier versions, still works and gives each of its \
            keys both roles (with a warning: then any operator key can join as a worker). SIGHUP (`kill -HUP`, \
            `systemctl reload`) reads the lists again, so a new node's key is admitted (or a revoked one \
            refused) without a restart; a list that fails to load is logged and the old one stays. An empty or \
            unreadable list is refused at start. Only one coordinator may use a --state directory at a time.

            Example:
              salience coordinator --bind tcp://0.0.0.0:5555 --state /var/lib/salience \\
                --key keys/coordinator.key --worker-keys keys/workers \\
                --client-keys keys/clients
            """)

    @Option(name: .customLong("bind"), help: "Endpoint to listen on (repeatable).")
    var endpoints: [String] = []

    @Option(help: "State directory holding the ledger (created if missing).")
    var state: String

    @Option(help: "Our secret key file; enables CURVE.")
    var key: String?

    @Option(help: "Keys allowed as workers: a file of Z85 public keys, one per line, or a directory of .pub files.")
    var workerKeys: String?

    @Option(help: "Keys allowed as clients (submit, status, cancel, results); same format as --worker-keys.")
    var clientKeys: String?

    @Option(help: "Keys allowed in both roles (the single allowlist of earlier versions; prefer the two above).")
    var allow: String?

    @Option(help: "Largest frame accepted from a peer, in bytes.")
    var maxMessageBytes: Int64 = ClusterDefaults.maximumMessageBytes

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: LogLevelOption = .info

    func validate() throws {
        if endpoints.isEmpty { throw ValidationError("Give at least one --bind endpoint, e.g. tcp://127.0.0.1:5555.") }
        let lists = [workerKeys, clientKeys, allow].compactMap { $0 }
        if key == nil, !lists.isEmpty {
            throw ValidationError("--worker-keys, --client-keys and --allow need --key (our secret key).")
        }
        if key != nil, lists.isEmpty {
            throw ValidationError("--key needs the keys to admit: --worker-keys and --client-keys (or --allow).")
        }
        if maxMessageBytes < 1024 { throw ValidationError("--max-message-bytes must be at least 1024.") }
    }

    func run() throws {
        let logger = commandLogger("salience.coordinator", level: logLevel.level)
        let lists = (workers: workerKeys, clients: clientKeys, both: allow)
        let load: @Sendable () throws -> CurveAllowlist = {
            let both = try lists.both.map { try KeyFiles.loadAllowlist(URL(fileURLWithPath: $0)) } ?? []
            let workers = try lists.workers.map { try KeyFiles.loadAllowlist(URL(fileURLWithPath: $0)) } ?? []
            let clients = try lists.clients.map { try KeyFiles.loadAllowlist(URL(fileURLWithPath: $0)) } ?? []
            return CurveAllowlist(workers: workers.union(both), clients: clients.union(both))
        }
        var security: CurveServerSecurity?
        if let key {
            security = CurveServerSecurity(
                keyPair: try KeyFiles.loadKeyPair(secretFile: URL(fileURLWithPath: key)), allowlist: try load())
            if allow != nil {
                logger.warning(
                    """
                    --allow gives each of its keys both roles: a client key can join as a worker and take tasks; \
                    use --worker-keys and --client-keys to keep them apart
                    """)
            }
        }
        let coordinator = try Coordinator(
            configuration: CoordinatorConfiguration(
                endpoints: endpoints, stateDirectory: URL(fileURLWithPath: state), security: security,
                planners: coordinatorPlanners, maximumMessageBytes: maxMessageBytes),
            logger: logger)
        // SIGHUP reads the lists again: keys of new worker nodes are admitted without a restart.
        let reloader = AllowlistReloadService(coordinator: coordinator, logger: logger, load: key == nil ? nil : load)
        try runUntilSignalled([CoordinatorService(coordinator), reloader], logger: logger)
    }
}

/// Planners this coordinator offers besides `flat` (other modules add theirs here).
let coordinatorPlanners: [String: any RunPlanner] = [ScanPlanner.name: ScanPlanner()]
