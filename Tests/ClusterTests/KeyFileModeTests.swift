import Cluster
import Foundation
import TestSupport
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Secret keys and their directories are owner-only from the system call that creates them, whatever the
/// umask (issue 16, item 2): there is no moment at which another local user could open them.
final class KeyFileModeTests: XCTestCase {
    /// The permission bits of `path` (lstat: a link is not followed).
    private func mode(_ path: String) -> mode_t? {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & 0o777 : nil
    }

    func testKeysGenerateUnderPermissiveUmaskMakesOwnerOnlyDirectoriesAndKey() throws {
        let scratch = try ScratchDirectory("keys-umask")
        defer { scratch.remove() }
        let base = scratch.path("deploy/keys/worker").path
        // umask 000 is the worst case: every mode not given explicitly would be 0666 / 0777.
        let result = try runProcess(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "umask 000; exec \"$0\" keys generate \"$1\"", TestEnvironment.salienceBinary.path, base])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(mode(scratch.path("deploy").path), 0o700, "a directory keys generate made")
        XCTAssertEqual(mode(scratch.path("deploy/keys").path), 0o700, "a directory keys generate made")
        XCTAssertEqual(mode(base + ".key"), 0o600)
        XCTAssertNotNil(mode(base + ".pub"))
    }

    func testSecretFileIsOwnerOnlyBeforeItsFirstByteIsWritten() throws {
        let scratch = try ScratchDirectory("keys-create")
        defer { scratch.remove() }
        let url = scratch.path("secret.key")
        let previous = umask(0)
        defer { umask(previous) }
        var seen: (fd: mode_t, path: mode_t, size: Int)?
        try PrivateFile.create(at: url, contents: Data("s3cret\n".utf8)) { fd in
            var byDescriptor = stat()
            var byPath = stat()
            XCTAssertEqual(fstat(fd, &byDescriptor), 0)
            XCTAssertEqual(lstat(url.path, &byPath), 0)
            seen = (byDescriptor.st_mode & 0o777, byPath.st_mode & 0o777, Int(byPath.st_size))
        }
        let atCreation = try XCTUnwrap(seen, "the hook runs between creation and writing")
        XCTAssertEqual(atCreation.fd, 0o600)
        XCTAssertEqual(atCreation.path, 0o600, "the file others could open already has its final mode")
        XCTAssertEqual(atCreation.size, 0)
        XCTAssertEqual(mode(url.path), 0o600)
        XCTAssertEqual(try String(contentsOf: url, encoding: .utf8), "s3cret\n")
    }

    func testSecretFileRefusesExistingFileAndPlantedSymlink() throws {
        let scratch = try ScratchDirectory("keys-exists")
        defer { scratch.remove() }
        let target = scratch.path("elsewhere")
        try Data("keep".utf8).write(to: target)
        let link = scratch.path("link.key")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: target)
        XCTAssertThrowsError(try PrivateFile.create(at: link, contents: Data("x".utf8))) {
            XCTAssertEqual(($0 as? PrivateFileError)?.errno, EEXIST, "\($0)")
        }
        XCTAssertThrowsError(try PrivateFile.create(at: target, contents: Data("x".utf8))) {
            XCTAssertTrue("\($0)".contains(target.path), "the error names the file: \($0)")
        }
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), "keep", "nothing was overwritten")
    }

    func testPrivateDirectoriesAreOwnerOnlyUnderPermissiveUmask() throws {
        let scratch = try ScratchDirectory("keys-dirs")
        defer { scratch.remove() }
        let previous = umask(0)
        defer { umask(previous) }
        try PrivateFile.createDirectories(at: scratch.path("a/b/c"))
        for name in ["a", "a/b", "a/b/c"] { XCTAssertEqual(mode(scratch.path(name).path), 0o700, name) }
    }
}
