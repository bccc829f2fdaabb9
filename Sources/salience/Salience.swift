import ArgumentParser
import Foundation
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

    /// Runs the command line, after two process-wide settings: OpenBLAS's kernels fixed for this CPU when it
    /// fell back to generic ones (`BLASCore`, in this process, no restart) with its idle thread pool stopped,
    /// and freed buffers kept in the heap.
    static func main() {
        keepFreedBuffersInTheHeap()
        BLASThreads.stopIdleWorkers()
        BLASCore.useBetterKernelsIfNeeded()
        main(nil)
    }
}

/// glibc's `mallopt(M_MMAP_THRESHOLD, 256 MiB)` and `mallopt(M_TRIM_THRESHOLD, 512 MiB)`: blocks below 256 MiB
/// come from the heap and freed memory is kept for reuse. `<malloc.h>` is not in Swift's Glibc module, so the
/// function is looked up by name; elsewhere (another libc) this does nothing.
private func keepFreedBuffersInTheHeap() {
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
    let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
    _ = mallopt(mmapThreshold, 256 << 20)
    _ = mallopt(trimThreshold, 512 << 20)
}
