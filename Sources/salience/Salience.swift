import ArgumentParser
import Cluster
import Foundation
import Learn
import Numerics
import Shards

/// The `salience` command: finds the task-relevant subspace of pretrained embeddings.
@main
struct Salience: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "salience",
        abstract: "Find the task-relevant subspace of pretrained embeddings, and prove it by retraining.",
        // Every node of a cluster must run the same build; the coordinator checks it (SalienceVersion).
        version: SalienceVersion.current,
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
            FuseCommand.self,
            SelectCommand.self,
            TrainCommand.self,
            PredictCommand.self,
            AttributeCommand.self,
            ScanCommand.self,
        ])

    /// Runs the command line, after two process-wide settings: OpenBLAS's kernels fixed for this CPU when it
    /// fell back to generic ones (`BLASCore`, in this process, no restart) with its idle thread pool stopped,
    /// and freed buffers kept in the heap (`ProcessHeap`).
    static func main() {
        ProcessHeap.keepFreedBuffers()
        BLASThreads.stopIdleWorkers()
        BLASCore.useBetterKernelsIfNeeded()
        // This binary checks untrusted shards in a child of itself (`dataset probe`) before opening them.
        ShardCrashProbe.executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        main(nil)
    }
}
