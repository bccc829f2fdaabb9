// The tarball of ops/package on a node without the Swift toolchain (issue 18, item 2): unpacked, and run
// in a mount namespace where the toolchain's folder (the one the development build's RUNPATH names) is an
// empty directory. Also the Apptainer definition, as far as a machine without Apptainer can check it.
//
// Opt-in, because ops/package is a release build of its own (measured on 2 shared cores: 231 s of compiling
// from scratch plus fetching the dependencies, 38 s after a one-file change), and CI is cold and its 30
// minutes already hold the suite (~6 min) and the fuzzing build: `SALIENCE_PACKAGE_TEST=1` (also through
// ops/test) runs ops/package once per test process, `SALIENCE_PACKAGE_TARBALL=PATH` tests a tarball made
// before. Without either, the tarball tests skip saying so; the definition's static checks always run.
import Foundation
import TestSupport
import XCTest

final class PortableBinaryTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("salience-package") }
    override func tearDown() { scratch?.remove() }

    static let definition = TestEnvironment.packageRoot.appendingPathComponent("ops/apptainer/salience.def")

    /// The tarball ops/package made in this test process (into .build-package/dist), made once.
    nonisolated(unsafe) private static var made: URL?

    /// The tarball under test, made by ops/package when asked to.
    private func tarball() throws -> URL {
        let environment = ProcessInfo.processInfo.environment
        if let given = environment["SALIENCE_PACKAGE_TARBALL"] { return URL(fileURLWithPath: given) }
        if let made = Self.made { return made }
        guard environment["SALIENCE_PACKAGE_TEST"] == "1" else {
            throw XCTSkip(
                "opt-in (a release build): SALIENCE_PACKAGE_TEST=1 runs ops/package, or SALIENCE_PACKAGE_TARBALL=PATH")
        }
        let result = try runProcess(
            URL(fileURLWithPath: "/bin/bash"),
            [TestEnvironment.packageRoot.appendingPathComponent("ops/package").path])
        XCTAssertEqual(result.status, 0, result.stderr.suffix(4000).description)
        let path = try XCTUnwrap(result.stdout.split(separator: "\n").last.map(String.init), result.stderr)
        Self.made = URL(fileURLWithPath: path)
        return URL(fileURLWithPath: path)
    }

    /// The tarball unpacked: its top directory.
    private func unpacked() throws -> URL {
        let archive = try tarball()
        let target = scratch.path("unpacked")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let result = try runProcess(URL(fileURLWithPath: "/bin/tar"), ["-xzf", archive.path, "-C", target.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let top = try FileManager.default.contentsOfDirectory(atPath: target.path)
        XCTAssertEqual(top.count, 1, "one top directory: \(top)")
        return target.appendingPathComponent(try XCTUnwrap(top.first))
    }

    /// The toolchain root the development build depends on: its RUNPATH `ROOT/usr/lib/swift/linux`.
    private func toolchainRoot() throws -> String {
        let result = try runProcess(
            URL(fileURLWithPath: "/usr/bin/readelf"), ["-d", TestEnvironment.salienceBinary.path])
        let line = try XCTUnwrap(
            result.stdout.split(separator: "\n").first { $0.contains("RUNPATH") || $0.contains("RPATH") },
            "the development build has no run path:\n\(result.stdout)")
        let paths = line.split(separator: "[").last?.split(separator: "]").first?.split(separator: ":") ?? []
        let runtime = try XCTUnwrap(paths.first { $0.hasSuffix("/usr/lib/swift/linux") }, String(line))
        return String(runtime.dropLast("/usr/lib/swift/linux".count))
    }

    /// Runs `arguments` in a new mount namespace where the toolchain root is an empty directory: `unshare -m`
    /// as root, else `unshare -rm` (a user namespace). Skips when neither works here.
    private func withoutToolchain(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
        let empty = scratch.path("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let script = #"mount --bind "$1" "$2" && shift 2 && exec "$@""#
        let flags = getuid() == 0 ? ["-m"] : ["-r", "-m"]
        let result = try runProcess(
            URL(fileURLWithPath: "/usr/bin/unshare"),
            flags + ["/bin/bash", "-c", script, "-", empty.path, try toolchainRoot()] + arguments,
            environment: environment)
        if result.status != 0, result.stderr.contains("unshare failed") || result.stderr.contains("mount: ") {
            throw XCTSkip("no mount namespace here (\(result.stderr)); the tarball test needs one")
        }
        return result
    }

    func testTarballListsOnlySystemLibrariesAndTheirDebianPackages() throws {
        let top = try unpacked()
        let libraries = try String(contentsOf: top.appendingPathComponent("LIBRARIES"), encoding: .utf8)
        for needed in [
            "libzmq.so.5", "libhdf5_serial.so.103", "libopenblas.so.0", "libsqlite3.so.0", "libdeflate.so.0",
        ] {
            XCTAssertTrue(libraries.contains(needed), "\(needed) missing from LIBRARIES:\n\(libraries)")
        }
        XCTAssertFalse(libraries.lowercased().contains("swift"), libraries)
        XCTAssertFalse(libraries.contains("libFoundation"), libraries)
        let packages = Set(
            try String(contentsOf: top.appendingPathComponent("DEPENDENCIES"), encoding: .utf8).split(separator: "\n")
                .map(String.init))
        XCTAssertTrue(
            packages.isSuperset(of: ["libzmq5", "libhdf5-103-1", "libsqlite3-0", "libdeflate0"]), "\(packages)")
        XCTAssertTrue(packages.contains { $0.hasPrefix("libopenblas0") }, "\(packages)")
        let readme = try String(contentsOf: top.appendingPathComponent("README.md"), encoding: .utf8)
        let install = try XCTUnwrap(
            readme.split(separator: "\n").first { $0.contains("apt-get install --no-install-recommends") }, readme)
        XCTAssertTrue(packages.allSatisfy { install.contains($0) }, "the README's apt line: \(install)")
    }

    /// The control first: the development build cannot start there (the namespace really hides the runtime);
    /// then the packaged one says its version, makes a dataset and scores it, with the toolchain hidden.
    func testPackagedBinaryRunsWithTheToolchainHidden() throws {
        let top = try unpacked()
        let salience = top.appendingPathComponent("bin/salience").path
        let control = try withoutToolchain([TestEnvironment.salienceBinary.path, "--version"])
        XCTAssertNotEqual(control.status, 0, "the development build started without its toolchain: \(control.stdout)")
        XCTAssertTrue(
            control.stderr.contains("error while loading shared libraries: libswift"), control.stderr)

        let version = try withoutToolchain([salience, "--version"])
        XCTAssertEqual(version.status, 0, version.stderr)
        let printed = version.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotNil(
            printed.range(of: #"^[0-9]+\.[0-9]+\.[0-9]+\+[0-9a-f]{12}$"#, options: .regularExpression), printed)
        XCTAssertTrue(top.lastPathComponent.contains(printed), "the tarball is named by its version")

        let data = scratch.path("syn").path
        let csv = scratch.path("scores.csv").path
        let synth = try withoutToolchain([
            salience, "dataset", "synth", data, "--utterances", "40", "--dim", "8", "--relevant", "4", "--shards", "1",
        ])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        let scores = try withoutToolchain([salience, "scores", data, "--methods", "ccs", "--out", csv])
        XCTAssertEqual(scores.status, 0, scores.stderr)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(rows.count, 9, "a header and 8 dimensions:\n\(rows)")
        XCTAssertTrue(rows.first?.hasPrefix("dim,ccs") == true, "\(rows.first ?? "")")
    }

    /// The definition's %test section, run as Apptainer would run it inside the image: here against the
    /// unpacked tarball on PATH, with the toolchain hidden.
    func testApptainerTestSectionPassesAgainstTheTarball() throws {
        let top = try unpacked()
        let section = try Self.section("test")
        let result = try withoutToolchain(
            ["/bin/bash", "-c", section], environment: ["PATH": "\(top.path)/bin:/usr/bin:/bin"])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.contains("+"), "salience --version printed: \(result.stdout)")
    }

    // MARK: the definition, without Apptainer

    /// The body of `%name` in the definition file.
    static func section(_ name: String) throws -> String {
        let text = try String(contentsOf: definition, encoding: .utf8)
        var lines: [Substring] = []
        var inside = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("%") {
                inside = line == "%\(name)"
                continue
            }
            if inside { lines.append(line) }
        }
        guard !lines.isEmpty else { throw XCTSkip("no %\(name) section") }
        return lines.joined(separator: "\n")
    }

    /// Apptainer is not installable here (no Debian 12 package), so: the header, every section's shell
    /// syntax, and the packages %post installs being real Debian 12 packages (this machine's apt lists).
    func testApptainerDefinitionIsWellFormedForDebianBookworm() throws {
        let text = try String(contentsOf: Self.definition, encoding: .utf8)
        XCTAssertTrue(text.contains("\nBootstrap: docker\nFrom: debian:bookworm\n"), "header")
        for name in ["post", "test", "runscript", "environment"] {
            let body = try Self.section(name)
            let syntax = try runProcess(URL(fileURLWithPath: "/bin/bash"), ["-n", "-c", body])
            XCTAssertEqual(syntax.status, 0, "%\(name): \(syntax.stderr)")
        }
        let post = try Self.section("post")
        XCTAssertTrue(post.contains("tar -xzf /opt/salience.tar.gz"), post)
        let installed = Self.installedPackages(post)
        XCTAssertTrue(
            installed.isSuperset(of: ["libzmq5", "libhdf5-103-1", "libsqlite3-0", "libdeflate0"]), "\(installed)")
        let release = (try? String(contentsOfFile: "/etc/debian_version", encoding: .utf8)) ?? ""
        guard release.hasPrefix("12") else { throw XCTSkip("not Debian 12 (\(release)): package names unchecked") }
        let apt = URL(fileURLWithPath: "/usr/bin/apt-cache")
        guard try runProcess(apt, ["show", "--no-all-versions", "libc6"]).status == 0 else {
            throw XCTSkip("apt lists are empty (apt-get update); package names unchecked")
        }
        for package in installed.sorted() {
            let show = try runProcess(apt, ["show", "--no-all-versions", package])
            XCTAssertEqual(show.status, 0, "\(package) is not a Debian 12 package: \(show.stderr)")
        }
    }

    /// The tarball's DEPENDENCIES are all installed by %post (libc6 is in every image).
    func testApptainerDefinitionInstallsEveryDependencyOfTheTarball() throws {
        let top = try unpacked()
        let needed = Set(
            try String(contentsOf: top.appendingPathComponent("DEPENDENCIES"), encoding: .utf8).split(separator: "\n")
                .map(String.init))
        let installed = Self.installedPackages(try Self.section("post")).union(["libc6"])
        XCTAssertEqual(needed.subtracting(installed), [], "packages the binary needs that %post does not install")
    }

    /// The package names of the `apt-get install` command in `script` (continuation lines joined).
    static func installedPackages(_ script: String) -> Set<String> {
        let joined = script.replacingOccurrences(of: "\\\n", with: " ")
        guard let line = joined.split(separator: "\n").first(where: { $0.contains("apt-get install") }) else {
            return []
        }
        let words = line.split(separator: " ").map(String.init)
        guard let install = words.firstIndex(of: "install") else { return [] }
        return Set(words[(install + 1)...].filter { !$0.hasPrefix("-") && !$0.isEmpty })
    }
}
