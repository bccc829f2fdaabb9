import ArgumentParser
import Cluster
import Foundation

/// `salience workers`: the connected workers.
struct WorkersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        abstract: "List connected workers: host, threads, current task, tasks done, last heartbeat.",
        discussion: """
            Example:
              salience workers --to tcp://head-node:5555
            """)

    @OptionGroup var connection: CoordinatorConnectionOptions

    @Flag(help: "Print the raw JSON report.")
    var json = false

    func run() throws {
        let report = try connection.client().workers()
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("worker\thost\tthreads\tcurrent\tdone\tlast heartbeat")
        for worker in report.workers {
            let current =
                worker.currentTasks.isEmpty
                ? "-"
                : worker.currentTasks.prefix(3).map(String.init).joined(separator: ",")
                    + (worker.currentTasks.count > 3 ? " (+\(worker.currentTasks.count - 3))" : "")
            print(
                "\(worker.id)\t\(worker.host)\t\(worker.threads)\t\(current)\t\(worker.done)\t"
                    + String(format: "%.1f s ago", worker.lastHeartbeatSecondsAgo))
        }
        if report.workers.isEmpty { print("no workers connected") }
    }
}
