import ArgumentParser
import Learn

/// The `salience` command: finds the task-relevant subspace of pretrained embeddings.
@main
struct Salience: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "salience",
        abstract: "Find the task-relevant subspace of pretrained embeddings, and prove it by retraining.",
        subcommands: [
            CoordinatorCommand.self,
            WorkerCommand.self,
            SubmitCommand.self,
            StatusCommand.self,
            WorkersCommand.self,
            CancelCommand.self,
            ResultsCommand.self,
            KeysCommand.self,
            ReportCommand.self,
            DatasetCommand.self,
            DemoCommand.self,
            ScoresCommand.self,
            SelectCommand.self,
            TrainCommand.self,
            PredictCommand.self,
            AttributeCommand.self,
            ScanCommand.self,
        ])

    /// Fixes OpenBLAS's kernel choice once for every command (workers score and train too), then runs the
    /// command line.
    static func main() {
        BLASCore.restartWithBetterKernelsIfNeeded()
        main(nil)
    }
}
