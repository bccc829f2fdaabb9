import Foundation
import TestSupport
import XCTest

/// Runs `Python/torch_reference.py` with the reference venv: all sub-requests of a test class in one
/// process, because importing torch dominates the time. Skips when the venv or torch is missing.
enum ReferencePython {
    /// Exit status of the script when torch cannot be imported.
    static let missingTorchStatus: Int32 = 3

    static func run(_ requests: [String: [String: Any]]) throws -> [String: [String: Any]] {
        guard let python = TestEnvironment.referencePython else {
            throw XCTSkip("no reference Python venv (set SALIENCE_PYTHON or run ops/python-env)")
        }
        let scratch = try ScratchDirectory("learn-ref")
        defer { scratch.remove() }
        let requestURL = scratch.path("request.json")
        let responseURL = scratch.path("response.json")
        try JSONSerialization.data(withJSONObject: ["requests": requests]).write(to: requestURL)
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/LearnTests/Python/torch_reference.py")
        let result = try runProcess(python, [script.path, requestURL.path, responseURL.path])
        if result.status == missingTorchStatus { throw XCTSkip("the reference venv cannot import torch") }
        guard result.status == 0 else {
            throw NSError(
                domain: "ReferencePython", code: Int(result.status),
                userInfo: [NSLocalizedDescriptionKey: "reference script failed: \(result.stderr)"])
        }
        let data = try Data(contentsOf: responseURL)
        return try JSONSerialization.jsonObject(with: data) as? [String: [String: Any]] ?? [:]
    }
}

/// Runs a batch of reference requests once per process and hands each test its response.
final class ReferenceBatch {
    private let requests: () -> [String: [String: Any]]
    private var outcome: Result<[String: [String: Any]], Error>?
    private let lock = NSLock()

    init(_ requests: @escaping () -> [String: [String: Any]]) { self.requests = requests }

    func response(_ key: String) throws -> [String: Any] {
        lock.lock()
        defer { lock.unlock() }
        if outcome == nil { outcome = Result { try ReferencePython.run(requests()) } }
        return try outcome!.get()[key] ?? [:]
    }
}
