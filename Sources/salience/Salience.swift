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
    /// and the heap set up for big buffers (`configureHeap`).
    static func main() {
        configureHeap()
        BLASThreads.stopIdleWorkers()
        BLASCore.useBetterKernelsIfNeeded()
        main(nil)
    }
}

/// glibc's `mallopt(M_MMAP_THRESHOLD, 256 MiB)` and `mallopt(M_TRIM_THRESHOLD, 512 MiB)`: blocks below 256 MiB
/// come from the heap and freed memory is kept for reuse; `mallopt(M_ARENA_MAX, 1)` and the heap's first
/// 192 MiB in 2 MiB pages (`reserveHeapInHugePages`). `<malloc.h>` is not in Swift's Glibc module, so the
/// function is looked up by name; elsewhere (another libc) this does nothing.
private func configureHeap() {
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
    let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
    _ = mallopt(mmapThreshold, 256 << 20)
    _ = mallopt(trimThreshold, 512 << 20)
    // One arena for every thread, so a buffer freed by one thread is reused by the next that needs one
    // instead of each thread's arena faulting in fresh pages; glibc's per-thread cache still serves small
    // blocks without taking the arena's lock.
    let arenaMaximum: Int32 = -8  // M_ARENA_MAX
    _ = mallopt(arenaMaximum, 1)
    reserveHeapInHugePages(bytes: 192 << 20)
}

/// Grows the heap by `bytes` and asks the kernel for transparent huge pages over it (`MADV_HUGEPAGE`; the
/// system's default here is "madvise"), then frees the block, which stays in the heap for the blocks that
/// follow. Nothing is touched, so nothing is resident until used. Why: a page fault costs microseconds on a
/// VM, and `salience scores` took 11,400 of them to fault in 4 KiB pages as it filled its buffers (1,800
/// with the heap in 2 MiB pages and one arena; 9% of its wall time). Does nothing where the allocation or
/// the advice fails.
private func reserveHeapInHugePages(bytes: Int) {
    let hugePage = 2 << 20
    guard let block = malloc(bytes) else { return }
    let start = (Int(bitPattern: block) + hugePage - 1) & ~(hugePage - 1)
    let end = (Int(bitPattern: block) + bytes) & ~(hugePage - 1)
    if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
    free(block)
}
