import Foundation
import TestSupport
import XCTest

/// Runs `Python/captum_reference.py` with the reference venv: Captum's IntegratedGradients on decoders built
/// independently in PyTorch, and Captum's quadrature nodes.
enum CaptumReference {
    static let script = TestEnvironment.packageRoot.appendingPathComponent(
        "Tests/AttributionTests/Python/captum_reference.py")

    /// The script's JSON response to `request`; throws `XCTSkip` when there is no venv or it lacks
    /// torch or captum.
    static func run(_ request: [String: Any]) throws -> [String: Any] {
        guard let python = TestEnvironment.referencePython else {
            throw XCTSkip("no reference python venv (set SALIENCE_PYTHON or run ops/python-env)")
        }
        let scratch = try ScratchDirectory("captum")
        defer { scratch.remove() }
        let requestURL = scratch.path("request.json")
        let responseURL = scratch.path("response.json")
        try JSONSerialization.data(withJSONObject: request).write(to: requestURL)
        let result = try runProcess(python, [script.path, requestURL.path, responseURL.path])
        if result.status == 3 { throw XCTSkip("torch or captum missing in the reference venv: \(result.stderr)") }
        guard result.status == 0 else {
            throw NSError(
                domain: "CaptumReference", code: Int(result.status),
                userInfo: [NSLocalizedDescriptionKey: "captum_reference.py failed: \(result.stderr)"])
        }
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: responseURL))
        guard let response = object as? [String: Any] else {
            throw NSError(
                domain: "CaptumReference", code: 1, userInfo: [NSLocalizedDescriptionKey: "response is not an object"])
        }
        return response
    }
}
