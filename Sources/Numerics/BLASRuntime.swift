import COpenBLAS
import Foundation

/// The number of threads OpenBLAS uses. GEMM results with a fixed thread count are deterministic
/// (each output element is reduced by one thread in a fixed order), so a fixed count keeps runs
/// reproducible bit for bit.
public enum BLASThreads {
    /// Sets OpenBLAS's thread count (clamped to at least 1).
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }
    /// OpenBLAS's current thread count.
    public static var current: Int { Int(openblas_get_num_threads()) }

    /// Stops the pool of worker threads OpenBLAS starts when it loads (pthread builds; a no-op otherwise). Idle, they spin on `sched_yield` for
    /// about 0.1 s before sleeping, which on a 2-core machine took a third of the CPU of a short command
    /// (`salience scores --methods mis-hist`, `dataset read-bench`). The thread count is unchanged: the next
    /// call that runs on more than one thread starts the pool again.
    public static func stopIdleWorkers() {
        // `blas_thread_shutdown_` (what OpenBLAS's own fork handler calls) is exported but not declared.
        OpenBLASSymbol.function("blas_thread_shutdown_")?()
    }
}

/// Which OpenBLAS kernels run. Debian's OpenBLAS 0.3.21 does not recognise some recent Xeons (a VM's
/// "Intel Xeon Processor" with AVX-512) and falls back to its SSE3 "Prescott" kernels, about 4x slower
/// here. OpenBLAS picks its kernels when it loads (from `OPENBLAS_CORETYPE` if set); its DYNAMIC_ARCH
/// builds (Debian's) export the two functions that make that choice, so `useBetterKernelsIfNeeded()` can
/// make it again in the running process.
public enum BLASCore {
    /// The kernel family OpenBLAS chose (e.g. `Haswell`, `SkylakeX`, `Prescott`).
    public static var name: String { openblas_get_corename().map { String(cString: $0) } ?? "unknown" }

    /// The family this CPU supports per /proc/cpuinfo, when OpenBLAS fell back to a generic one; nil when
    /// OpenBLAS's own choice stands (or `OPENBLAS_CORETYPE` is already set).
    public static func betterCoreType() -> String? {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else { return nil }
        let generic = ["prescott", "core2", "katmai", "unknown", "nehalem", "sandybridge"]
        guard generic.contains(name.lowercased()) else { return nil }
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
        else { return nil }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        if flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512vl") { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// When OpenBLAS fell back to generic kernels, selects the better family in this process: sets
    /// `OPENBLAS_CORETYPE` (child processes inherit it) and has OpenBLAS choose again
    /// (`gotoblas_dynamic_quit`, `gotoblas_dynamic_init`). Call it first thing, before any BLAS call and
    /// before other threads start; its pool of worker threads is stopped first. Returns the family now in
    /// use. Does nothing on an OpenBLAS without those functions (a single-architecture build).
    @discardableResult
    public static func useBetterKernelsIfNeeded() -> String {
        guard let core = betterCoreType(),
            let quit = OpenBLASSymbol.function("gotoblas_dynamic_quit"),
            let initialise = OpenBLASSymbol.function("gotoblas_dynamic_init")
        else { return name }
        BLASThreads.stopIdleWorkers()
        setenv("OPENBLAS_CORETYPE", core, 1)
        quit()
        initialise()
        return name
    }
}

/// OpenBLAS functions outside its headers, looked up by name so that a build without them still links.
enum OpenBLASSymbol {
    typealias VoidFunction = @convention(c) () -> Void

    /// The exported function `name`, or nil.
    static func function(_ name: String) -> VoidFunction? {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: VoidFunction.self)
    }
}
