import Cluster
import Foundation

/// Following a run rides out a coordinator restart: the run lives in the coordinator's ledger and resumes
/// when it comes back, so a client that gave up after one timeout would abandon a run that finishes. A call
/// that times out is retried with a growing pause (to `ClusterDefaults.followRetryMaximumDelay`), each retry
/// said on standard error, until `ClusterDefaults.followGiveUpAfter` has passed without an answer.
struct CoordinatorRetry {
    var endpoint: String
    var giveUpAfter: TimeInterval = ClusterDefaults.followGiveUpAfter
    var maximumDelay: TimeInterval = ClusterDefaults.followRetryMaximumDelay

    func run<T>(_ what: String, _ body: () throws -> T) throws -> T {
        var delay = 0.5
        var firstFailure: Date?
        while true {
            do {
                let value = try body()
                if let firstFailure {
                    say(
                        String(
                            format: "scan: the coordinator at %@ answers again (after %.0f s); following the run",
                            endpoint, Date().timeIntervalSince(firstFailure)))
                }
                return value
            } catch ClusterError.timeout(let endpoint, let seconds) {
                let since = firstFailure ?? Date()
                firstFailure = since
                guard Date().timeIntervalSince(since) < giveUpAfter else {
                    throw ClusterError.timeout(endpoint: endpoint, seconds: Date().timeIntervalSince(since) + seconds)
                }
                say(
                    String(
                        format: "scan: no answer from the coordinator at %@ to %@ (restarting?); retrying in %.1f s",
                        endpoint, what, delay))
                Thread.sleep(forTimeInterval: delay)
                delay = min(maximumDelay, delay * 2)
            }
        }
    }

    private func say(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
