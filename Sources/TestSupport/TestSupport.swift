// Shared helpers for the test targets (as swift-collections does with its `_CollectionsTestSupport`):
// locating the package, the built `salience` binary, the Python reference venv and ../shared, and
// making scratch directories. Nothing here is used by the product.
import Foundation

/// Where the package, its build products and its test fixtures are.
public enum TestEnvironment {
    /// The package root (the folder holding Package.swift).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) {
                return url
            }
        }
        fatalError("TestSupport: no Package.swift above \(#filePath)")
    }()

    /// The folder holding the test bundle and the other built products (`salience`, ...).
    public static let productsDirectory: URL = {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }()

    /// The `salience` executable built alongside the tests.
    public static var salienceBinary: URL { productsDirectory.appendingPathComponent("salience") }

    /// The Python interpreter of the reference venv (numpy, h5py, scikit-learn, pyzmq, torch, captum),
    /// from `SALIENCE_PYTHON` (set by `ops/test`) or `.venv-ref/` in the package; nil when neither exists.
    public static var referencePython: URL? {
        if let path = ProcessInfo.processInfo.environment["SALIENCE_PYTHON"], !path.isEmpty,
            FileManager.default.isExecutableFile(atPath: path)
        {
            return URL(fileURLWithPath: path)
        }
        let local = packageRoot.appendingPathComponent(".venv-ref/bin/python")
        return FileManager.default.isExecutableFile(atPath: local.path) ? local : nil
    }

    /// `../shared` (or `SALIENCE_SHARED`), when present: the real datasets and the format docs.
    public static var sharedDirectory: URL? {
        let path =
            ProcessInfo.processInfo.environment["SALIENCE_SHARED"]
            ?? packageRoot.deletingLastPathComponent().appendingPathComponent("shared").path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue
        else { return nil }
        return URL(fileURLWithPath: path)
    }

    /// The real vader-minilm shard dataset in ../shared, when present.
    public static var vaderMiniLM: URL? {
        guard let shared = sharedDirectory else { return nil }
        let dir = shared.appendingPathComponent("datasets/vader-minilm")
        return FileManager.default.fileExists(atPath: dir.path) ? dir : nil
    }
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
public struct ScratchDirectory {
    /// The directory's location.
    public let url: URL

    /// Creates a new, empty directory whose name starts with `prefix`.
    public init(_ prefix: String = "salience-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    public func path(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Deletes the directory and everything in it.
    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// The outcome of running a child process to completion.
public struct ProcessResult {
    /// The exit status (or the terminating signal's number when `signalled`).
    public var status: Int32
    /// Whether the process ended by a signal.
    public var signalled: Bool
    /// Everything it wrote to standard output.
    public var stdout: String
    /// Everything it wrote to standard error.
    public var stderr: String
}

/// Runs `executable` with `arguments`, waits for it, and returns its exit status and output.
public func runProcess(
    _ executable: URL, _ arguments: [String], environment: [String: String]? = nil,
    currentDirectory: URL? = nil, stdin: String? = nil
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    let input = Pipe()
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try? input.fileHandleForWriting.close()
    // Read both pipes concurrently so a chatty child cannot block on a full pipe.
    var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus,
        signalled: process.terminationReason == .uncaughtSignal,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Runs a Python script with the reference venv's interpreter; nil when there is no venv.
public func runReferencePython(_ script: String, arguments: [String] = []) throws -> ProcessResult? {
    guard let python = TestEnvironment.referencePython else { return nil }
    return try runProcess(python, ["-c", script] + arguments)
}
