import ArgumentParser
import Cluster

/// `salience cancel RUN`.
struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Cancel a run: its queued tasks are dropped and late results ignored.",
        discussion: """
            Example:
              salience cancel run-1a2b3c4d --to tcp://head-node:5555
            """)

    @Argument(help: "The run id (from submit or status).")
    var runID: String

    @OptionGroup var connection: CoordinatorConnectionOptions

    func run() throws {
        print("\(runID): \(try connection.client().cancel(run: runID))")
    }
}
