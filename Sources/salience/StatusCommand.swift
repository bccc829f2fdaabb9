import ArgumentParser
import Cluster
import Foundation

/// `salience status`: runs, phases, progress, throughput and ETA.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the coordinator's runs: phases, tasks done/leased/queued/failed, throughput, ETA.",
        discussion: """
            Examples:
              salience status --to tcp://head-node:5555
              salience status run-1a2b3c4d --to tcp://head-node:5555 --watch
            """)

    @Argument(help: "Only this run.")
    var runID: String?

    @OptionGroup var connection: CoordinatorConnectionOptions

    @Flag(help: "Refresh every second until interrupted.")
    var watch = false

    @Flag(help: "Print the raw JSON report.")
    var json = false

    func run() throws {
        let client = try connection.client()
        repeat {
            let report = try client.status(run: runID)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.keyEncodingStrategy = .convertToSnakeCase
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                if watch { print("\u{1B}[2J\u{1B}[H", terminator: "") }
                print(
                    "coordinator \(report.epoch): up \(Int(report.uptimeSeconds)) s, \(report.workers) worker(s), "
                        + "\(report.protocolErrors) protocol error(s), \(report.duplicateResults) duplicate result(s), "
                        + "\(report.lostDeliveries ?? 0) lost deliveries requeued")
                for status in report.runs { print(StatusCommand.render(status)) }
                if report.runs.isEmpty { print("no runs") }
            }
            if watch { Thread.sleep(forTimeInterval: 1) }
        } while watch
    }

    /// A run's status as a few lines of text.
    static func render(_ status: RunStatus) -> String {
        var lines = [
            "\(status.id)\(status.name.map { " (\($0))" } ?? "") [\(status.planner)] \(status.state): "
                + "\(status.done)/\(status.total) done, \(status.leased) leased, \(status.queued) queued, "
                + "\(status.failed) failed; \(String(format: "%.1f", status.throughput)) tasks/s"
                + (status.etaSeconds.map { ", ETA \(Int($0.rounded())) s" } ?? "")
        ]
        for phase in status.phases {
            lines.append(
                "  phase \(phase.phase): \(phase.done)/\(phase.total) done, \(phase.leased) leased, "
                    + "\(phase.queued) queued, \(phase.failed) failed")
        }
        if let seconds = status.planningSeconds {
            lines.append(
                "  planning phase \((status.phases.last?.phase ?? -1) + 1) from phase "
                    + "\(status.phases.last?.phase ?? 0)'s results (\(Int(seconds.rounded())) s)")
        }
        if let error = status.error { lines.append("  error: \(error)") }
        for failure in status.failures {
            lines.append("  task \(failure.task) (\(failure.kind)) failed: \(failure.error)")
        }
        return lines.joined(separator: "\n")
    }
}
