import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The coordinator's `--state` directory: created private (0700: the ledger holds every task input and
/// result), checked to be a directory, and locked for the life of the process so that a second coordinator
/// on the same state refuses to start (two would both schedule the same tasks and stall each other's runs).
///
/// The lock is `flock(2)` on `state/lock`, which also holds `pid host` of the holder for the refusal message.
/// flock is per open file, so it also keeps two coordinators in one process apart, and the kernel drops it
/// when the process dies (no stale lock after SIGKILL). It is advisory and, on some NFS setups, local to
/// one client: keep the state on a local disk (cluster/DEPLOY.md).
final class StateDirectory {
    /// The directory.
    let url: URL
    /// The open lock file (-1 after `unlock()`).
    private var lockDescriptor: Int32

    /// Creates (0700) or checks `url` and takes its lock; throws `ClusterError.stateInUse` naming the holder
    /// when another coordinator has it.
    init(_ url: URL) throws {
        self.url = url
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ClusterError.badState(
                    path: url.path,
                    reason: "is a file, not a directory; give --state a directory (it is created if missing)")
            }
        } else {
            do {
                try FileManager.default.createDirectory(
                    at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw ClusterError.badState(
                    path: url.path, reason: "cannot create the directory: \((error as NSError).localizedDescription)")
            }
        }
        // Private whatever the umask or an older version left: the ledger holds every input and result.
        chmod(url.path, 0o700)
        let lockPath = url.appendingPathComponent("lock").path
        let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ClusterError.badState(
                path: lockPath, reason: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readHolder(descriptor)
            close(descriptor)
            throw ClusterError.stateInUse(path: url.path, holder: holder)
        }
        lockDescriptor = descriptor
        let host = ProcessInfo.processInfo.hostName
        let text = "pid \(getpid()) host \(host)\n"
        _ = ftruncate(descriptor, 0)
        _ = text.withCString { pwrite(descriptor, $0, strlen($0), 0) }
    }

    /// What the holder wrote into the lock file ("pid N host H"), or a placeholder.
    private static func readHolder(_ descriptor: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = pread(descriptor, &buffer, buffer.count, 0)
        guard count > 0 else { return "another process (it has not written its pid yet)" }
        return String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Makes the files of the directory (the ledger and its WAL and shared-memory files) 0600.
    func restrictFiles() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        for name in names { chmod(url.appendingPathComponent(name).path, 0o600) }
    }

    /// Releases the lock (idempotent); the kernel does so anyway when the process exits.
    func unlock() {
        guard lockDescriptor >= 0 else { return }
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
        lockDescriptor = -1
    }

    deinit { unlock() }
}
