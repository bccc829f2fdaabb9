import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Files and directories only their owner may open (secret keys and the directories holding them).
///
/// Why not `FileManager.createFile(atPath:contents:attributes:)` followed by a chmod: that writes a temporary
/// file with the umask's mode (0644 or 0666), renames it and only then sets the mode, so another local user
/// can open the secret in between (issue 16, item 2). Here the mode is given to the `open(2)` / `mkdir(2)`
/// that creates the file, so no moment exists at which it is readable by others, whatever the umask.
public enum PrivateFile {
    /// The mode of a secret file: owner read and write.
    public static let fileMode: mode_t = 0o600
    /// The mode of a directory made for secrets: owner only (cluster/DEPLOY.md asks for 0700).
    public static let directoryMode: mode_t = 0o700

    /// Creates `url` with mode 0600 and writes `contents`. Refuses an existing file or symbolic link
    /// (`O_EXCL`), so a key is never overwritten and a planted link is never followed.
    ///
    /// - Parameter beforeWriting: called with the open descriptor after creation and before the first byte
    ///   is written (tests use it to check the mode at that moment).
    public static func create(
        at url: URL, contents: Data, beforeWriting: ((Int32) throws -> Void)? = nil
    ) throws {
        let path = url.path
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, fileMode)
        guard fd >= 0 else { throw PrivateFileError(path: path, operation: "create", errno: errno) }
        var closed = false
        defer { if !closed { close(fd) } }
        do {
            // The umask can only remove bits from 0600; an exact mode keeps the file readable by its owner.
            guard fchmod(fd, fileMode) == 0 else {
                throw PrivateFileError(path: path, operation: "chmod", errno: errno)
            }
            try beforeWriting?(fd)
            try contents.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < bytes.count {
                    let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw PrivateFileError(path: path, operation: "write", errno: errno)
                    }
                    offset += written
                }
            }
            guard fsync(fd) == 0 else { throw PrivateFileError(path: path, operation: "fsync", errno: errno) }
            closed = true
            guard close(fd) == 0 else { throw PrivateFileError(path: path, operation: "close", errno: errno) }
        } catch {
            unlink(path)  // never leave a half-written secret behind
            throw error
        }
    }

    /// Creates `url` and any missing parents with mode 0700; directories that already exist are left as
    /// they are (an operator may have chosen their modes).
    public static func createDirectories(at url: URL) throws {
        let path = url.standardizedFileURL.path
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw PrivateFileError(path: path, operation: "mkdir", errno: ENOTDIR)
            }
            return
        }
        let parent = url.standardizedFileURL.deletingLastPathComponent()
        if parent.path != path { try createDirectories(at: parent) }
        guard mkdir(path, directoryMode) == 0 || errno == EEXIST else {
            throw PrivateFileError(path: path, operation: "mkdir", errno: errno)
        }
        // mkdir applies the umask too; make the mode exact (it can only have lost bits, never gained).
        guard chmod(path, directoryMode) == 0 else {
            throw PrivateFileError(path: path, operation: "chmod", errno: errno)
        }
    }
}

/// A system call on a private file failed; carries the path, the call and its `errno`.
public struct PrivateFileError: Error, CustomStringConvertible, Equatable {
    /// The file or directory concerned.
    public var path: String
    /// What was being done (`create`, `write`, `mkdir`, ...).
    public var operation: String
    /// The `errno` of the failed call.
    public var errno: Int32

    public var description: String {
        let reason = String(cString: strerror(errno))
        if errno == EEXIST, operation == "create" {
            return "\(path): already exists; refusing to overwrite a key (\(reason))"
        }
        return "\(path): cannot \(operation): \(reason) (errno \(errno))"
    }
}
