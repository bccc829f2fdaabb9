import Foundation

/// How this process's heap (glibc's malloc) is set up. `<malloc.h>` is not in Swift's Glibc module, so
/// `mallopt` is looked up by name; with another libc these do nothing.
enum ProcessHeap {
    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    private static let mallopt: Mallopt? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt").map {
        unsafeBitCast($0, to: Mallopt.self)
    }

    /// `mallopt(M_MMAP_THRESHOLD, 256 MiB)` and `mallopt(M_TRIM_THRESHOLD, 512 MiB)`: blocks below 256 MiB come
    /// from the heap and freed memory is kept for reuse, for every command.
    static func keepFreedBuffers() {
        let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
        let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD
        _ = mallopt?(mmapThreshold, 256 << 20)
        _ = mallopt?(trimThreshold, 512 << 20)
    }

    /// For a short command that fills most of its memory once (`salience scores`): one malloc arena for every
    /// thread, so a buffer freed by one thread is reused by the next instead of each thread's arena faulting
    /// in fresh pages (glibc's per-thread cache still serves small blocks without the arena's lock), and the
    /// heap's next `bytes` in transparent huge pages. A page fault costs microseconds on a VM: `scores
    /// --methods mis-hist` took 11,400 of them, 1,800 with this, and ~10% less wall time. Not for every
    /// command: training, which frees and refills its buffers every epoch, spent 0.4 s more in the kernel
    /// per two epochs with its heap in huge pages. Call it before the command starts its threads.
    static func preferHugePages(bytes: Int = 192 << 20) {
        let arenaMaximum: Int32 = -8  // M_ARENA_MAX
        _ = mallopt?(arenaMaximum, 1)
        reserveInHugePages(bytes: bytes)
    }

    /// Grows the heap by `bytes` and advises transparent huge pages over it (`MADV_HUGEPAGE`; the system
    /// default here is "madvise"), then frees the block, which stays in the heap (see `keepFreedBuffers`)
    /// for the blocks that follow. Nothing is touched, so nothing is resident until used. Does nothing where
    /// the allocation or the advice fails.
    private static func reserveInHugePages(bytes: Int) {
        let hugePage = 2 << 20
        guard let block = malloc(bytes) else { return }
        let start = (Int(bitPattern: block) + hugePage - 1) & ~(hugePage - 1)
        let end = (Int(bitPattern: block) + bytes) & ~(hugePage - 1)
        if end > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), end - start, MADV_HUGEPAGE) }
        free(block)
    }

    /// This process's peak resident memory so far, bytes (`getrusage`'s `ru_maxrss`, KiB on Linux).
    static var peakResidentBytes: Int {
        var usage = rusage()
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return usage.ru_maxrss * 1024
    }
}
