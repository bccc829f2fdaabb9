import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one confinement rule of a worker's roots (`--data-root` for what it reads, `--output-root` for what
/// it writes): a path from a task resolves under the root, with `..` and symbolic links resolved, and is
/// refused when the result leaves the root.
///
/// Why one function: both roots face the same hostile input (paths in a run's spec), so they must not drift
/// apart. Why resolve only the part that exists: outputs name directories that are not made yet; the
/// existing prefix is resolved by `realpath(3)` (so a symlink out of the root is seen), and a prefix that is a
/// dangling symbolic link is refused (writing through it would create its target, wherever that is).
public enum ConfinedRoot {
    /// `path` resolved under `root` (itself resolved), or nil when it leaves the root, is empty or holds NUL.
    /// Absolute paths are accepted only when `allowingAbsolute` and inside the root.
    public static func resolve(_ path: String, under root: URL, allowingAbsolute: Bool) -> URL? {
        guard !path.isEmpty, !path.contains("\0") else { return nil }
        if path.hasPrefix("/"), !allowingAbsolute { return nil }
        let joined = path.hasPrefix("/") ? URL(fileURLWithPath: path) : root.appendingPathComponent(path)
        guard let candidate = resolvingExistingPrefix(joined.standardizedFileURL.path) else { return nil }
        guard candidate == root.path || candidate.hasPrefix(root.path == "/" ? "/" : root.path + "/") else {
            return nil
        }
        return URL(fileURLWithPath: candidate)
    }

    /// `path` (absolute, without `.` or `..`) with the symbolic links of its longest existing prefix resolved;
    /// nil when a component is a dangling symbolic link.
    static func resolvingExistingPrefix(_ path: String) -> String? {
        var components = path.split(separator: "/").map(String.init)
        var missing: [String] = []
        while true {
            let prefix = "/" + components.joined(separator: "/")
            var info = stat()
            if lstat(prefix, &info) == 0 {
                guard let resolved = realpath(prefix, nil) else { return nil }  // a dangling link, or a loop
                defer { free(resolved) }
                let base = String(cString: resolved)
                return missing.isEmpty
                    ? base : (base == "/" ? "" : base) + "/" + missing.reversed().joined(separator: "/")
            }
            guard let last = components.popLast() else { return nil }
            missing.append(last)
        }
    }
}

/// The root a worker writes outputs under (`--output-root`): reports, models and anything else a task
/// writes. Same rules as ``DataRoot`` (``ConfinedRoot``), except that an absolute path inside the root is
/// accepted, since embedded scans send their output directory absolute.
public struct OutputRoot: Sendable {
    /// The root directory, symlinks resolved.
    public let url: URL

    /// A root at `url`.
    public init(_ url: URL) {
        self.url = url.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// The current directory, the default of `salience worker` (see cluster/README.md).
    public static var currentDirectory: OutputRoot {
        OutputRoot(URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
    }

    /// Where `path` (relative to the root, or absolute inside it) is written.
    /// - Throws: ``ClusterError/pathEscapesOutputRoot(path:root:)`` naming the path and the root.
    public func resolve(_ path: String) throws -> URL {
        guard let resolved = ConfinedRoot.resolve(path, under: url, allowingAbsolute: true) else {
            throw ClusterError.pathEscapesOutputRoot(path: path, root: url.path)
        }
        return resolved
    }
}
