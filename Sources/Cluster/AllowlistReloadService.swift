import Logging
import ServiceLifecycle
import UnixSignals
import ZeroMQ

/// Reloads a CURVE coordinator's allowlist on SIGHUP (`kill -HUP`, `systemctl reload`), so keys of new worker
/// nodes can be admitted, or revoked ones refused, while runs go on. The new list applies to handshakes from
/// then on; connected peers stay connected. A list that fails to load (a malformed key file) is logged and
/// the current one stays in force. Without CURVE there is nothing to reload, and SIGHUP is only logged
/// (rather than ending the process, which is its default action).
public struct AllowlistReloadService: Service {
    /// The coordinator whose allowlist is replaced.
    public let coordinator: Coordinator
    /// Reads the allowlist again (e.g. the `--allow` directory); nil when the coordinator runs without CURVE.
    public let load: (@Sendable () throws -> CurveAllowlist)?
    let logger: Logger

    /// Reloads `coordinator`'s allowlist with `load` on every SIGHUP until the group shuts down.
    public init(coordinator: Coordinator, logger: Logger, load: (@Sendable () throws -> CurveAllowlist)?) {
        self.coordinator = coordinator
        self.logger = logger
        self.load = load
    }

    /// Reloads on every SIGHUP until the service group shuts down gracefully.
    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        for await _ in hangups.cancelOnGracefulShutdown() {
            reload()
        }
    }

    /// One reload, as on SIGHUP.
    public func reload() {
        guard let load else {
            logger.notice("SIGHUP: this coordinator runs without CURVE; there is no allowlist to reload")
            return
        }
        do {
            let allowlist = try load()
            if coordinator.replaceAllowlist(allowlist) {
                logger.notice(
                    "allowlist reloaded",
                    metadata: [
                        "keys": "\(allowlist.all.count)", "workers": "\(allowlist.workers.count)",
                        "clients": "\(allowlist.clients.count)",
                    ])
            } else {
                logger.warning("SIGHUP before the coordinator started; the allowlist was not replaced")
            }
        } catch {
            logger.error(
                "allowlist not reloaded; the previous one stays in force", metadata: ["error": "\(error)"])
        }
    }
}
