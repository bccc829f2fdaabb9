import Foundation
import Logging
import ServiceLifecycle

/// The coordinator as a swift-service-lifecycle `Service`: runs until the group shuts down gracefully
/// (SIGTERM/SIGINT), then finishes its cycle, flushes the ledger and stops.
public struct CoordinatorService: Service {
    /// The coordinator it runs.
    public let coordinator: Coordinator

    /// Wraps `coordinator` (not yet started).
    public init(_ coordinator: Coordinator) { self.coordinator = coordinator }

    public func run() async throws {
        try coordinator.start()
        let coordinator = self.coordinator
        await withGracefulShutdownHandler {
            await waitOffThePool { coordinator.waitUntilStopped() }
        } onGracefulShutdown: {
            coordinator.stop()
        }
    }
}

/// A worker as a `Service`: on graceful shutdown it says BYE (its leases go back at once) and stops; refused
/// for its build, it throws the refusal.
public struct WorkerService: Service {
    /// The worker it runs.
    public let worker: Worker

    /// Wraps `worker` (not yet started).
    public init(_ worker: Worker) { self.worker = worker }

    public func run() async throws {
        worker.start()
        let worker = self.worker
        await withGracefulShutdownHandler {
            await waitOffThePool { worker.waitUntilStopped() }
        } onGracefulShutdown: {
            worker.stop()
        }
        // A worker the coordinator will never admit fails its command (exit status 1, both versions said).
        if let refusal = worker.refusal { throw refusal }
    }
}

/// Runs a blocking wait on a plain thread so the concurrency pool stays free.
func waitOffThePool(_ wait: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        Thread {
            wait()
            continuation.resume()
        }.start()
    }
}

/// Runs `services` in a `ServiceGroup` that shuts down gracefully on SIGTERM and SIGINT, blocking the
/// calling (synchronous) thread until they have all returned. For command-line entry points.
public func runUntilSignalled(_ services: [any Service], logger: Logger) throws {
    let group = ServiceGroup(
        configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    let done = DispatchSemaphore(value: 0)
    let failure = FailureBox()
    Task {
        do { try await group.run() } catch { failure.set(error) }
        done.signal()
    }
    done.wait()
    if let error = failure.error { throw error }
}

private final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?
    func set(_ error: Error) { lock.withLock { stored = error } }
    var error: Error? { lock.withLock { stored } }
}
