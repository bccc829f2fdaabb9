import Foundation

/// Debian's libhdf5 1.10 crashes (SIGSEGV) or hangs on some malformed files instead of returning an error
/// (`ops/fuzz/README.md`: the shard fuzz target's findings are all inside libhdf5), and a crash inside a
/// library cannot be caught in the process that hit it. So before a dataset's shards are opened in a
/// long-lived process (a worker's catalog task) or by `dataset validate`, their headers are checked in a
/// child process (`salience dataset probe FILE...`): a crash or hang there becomes a problem naming the file,
/// and the parent never opens it.
public enum ShardCrashProbe {
    /// How long a child may take before it is presumed hung in libhdf5.
    public static let timeout: TimeInterval = 60

    /// The `salience` binary that runs the probes (set once at start by the command line; nil in a process
    /// that has no such binary, e.g. a test runner, which then opens shards in-process as before).
    nonisolated(unsafe) public static var executable: URL?

    /// ``problems(directory:executable:)`` with ``executable``; empty without one.
    public static func problems(directory: URL) -> [ShardError] {
        executable.map { problems(directory: directory, executable: $0) } ?? []
    }

    /// Problems for the `.h5` files of `directory` whose header check crashes or hangs a child process of
    /// `executable` (`executable dataset probe FILE...`); empty when every file opens safely. All files go to
    /// one child first; only if it fails is each file probed alone, to name the culprits.
    public static func problems(directory: URL, executable: URL) -> [ShardError] {
        // Regular files only, links followed only to a file inside the directory: a link out of the data
        // root or a FIFO named like a shard is refused by the catalog's own rules, and a child must not
        // follow the one or block on the other.
        let root = directory.resolvingSymlinksInPath().path + "/"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        var files: [String] = []
        var paths: [String] = []
        for name in names where name.hasSuffix(".h5") {
            let resolved = directory.appendingPathComponent(name).resolvingSymlinksInPath().path
            let type = (try? FileManager.default.attributesOfItem(atPath: resolved))?[.type] as? FileAttributeType
            guard type == .typeRegular, resolved.hasPrefix(root) else { continue }
            files.append(name)
            paths.append(resolved)
        }
        guard !files.isEmpty else { return [] }
        guard outcome(executable, paths) != nil else { return [] }
        return zip(files, paths).compactMap { file, path in
            outcome(executable, [path]).map { ShardError(file: file, message: $0) }
        }
    }

    /// Nil when the child checked `paths` and exited normally; else why not.
    static func outcome(_ executable: URL, _ paths: [String]) -> String? {
        let process = Process()
        process.executableURL = executable
        process.arguments = ["dataset", "probe"] + paths
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil  // No probe to run (the executable is gone): check in-process as before.
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
            return "reading its headers did not finish in \(Int(timeout)) s (libhdf5 hangs on this file); "
                + "the file is malformed: write it again (h5py or salience dataset)"
        }
        if process.terminationReason == .uncaughtSignal {
            let signal = process.terminationStatus
            let name = String(cString: strsignal(signal))
            return "libhdf5 crashed reading its headers (signal \(signal), \(name)); the file is malformed: write "
                + "it again (h5py or salience dataset)"
        }
        return nil
    }
}
