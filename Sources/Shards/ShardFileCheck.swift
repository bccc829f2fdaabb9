import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// What a shard path must be before it is opened: a regular file that stays inside its dataset directory.
///
/// Why: workers resolve the dataset directory under their data root (symlinks included), but the files in it
/// were opened as listed, so a shard that is a symbolic link to a file elsewhere was validated, catalogued
/// and trained on (issue 16, item 5). A link whose target stays inside the dataset directory is allowed; a
/// FIFO or device named `*.h5` is refused too, since opening it could block or read without end.
enum ShardFileCheck {
    /// The problem with `url` (a shard listed in `directory`), or nil when it may be opened.
    static func problem(url: URL, directory: URL) -> ShardError? {
        let name = url.lastPathComponent
        var info = stat()
        guard lstat(url.path, &info) == 0 else {
            return ShardError(file: name, message: "cannot stat: \(String(cString: strerror(errno)))")
        }
        if info.st_mode & S_IFMT == S_IFLNK {
            let root = directory.standardizedFileURL.resolvingSymlinksInPath().path
            let target = url.standardizedFileURL.resolvingSymlinksInPath().path
            let destination = (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) ?? target
            guard stat(url.path, &info) == 0 else {
                let reason = errno == ENOENT ? "no such file (a dangling link)" : String(cString: strerror(errno))
                return ShardError(file: name, message: "is a symbolic link to \(destination): \(reason)")
            }
            guard target.hasPrefix(root + "/") else {
                return ShardError(
                    file: name,
                    message: "is a symbolic link to \(destination), outside the dataset directory \(root); "
                        + "copy the file into the dataset instead of linking it")
            }
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            return ShardError(file: name, message: "is not a regular file")
        }
        return nil
    }
}
