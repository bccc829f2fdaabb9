import Attribution
import Foundation
import Learn
import Numerics
import Shards
import TestSupport
import XCTest

/// Integrated Gradients of Learn's GRU decoders against Captum's `IntegratedGradients` on the same weights,
/// rebuilt independently in PyTorch by `Python/captum_reference.py`.
final class CaptumComparisonTests: XCTestCase {
    /// The bar: attributions equal to Captum's within 1e-4.
    static let tolerance = 1e-4

    /// One decoder attributed on both sides.
    struct Case {
        var name: String
        var model: TrainedModel
        var method: IntegrationMethod
        var steps: Int
    }

    static let width = 5
    static let utterances: [[Float]] = {
        var generator = SplitMix64(state: 30)
        return [1, 4, 9].map { t in (0..<t * width).map { _ in Float.random(in: -2...2, using: &generator) } }
    }()

    static func makeCase(_ kind: DecoderConfig.Kind, task: TaskKind, method: IntegrationMethod, steps: Int)
        -> Case
    {
        var config = DecoderConfig.preset(kind, inputWidth: width, outputCount: 2)
        config.frontWidth = 6
        config.gruHidden = 7
        config.headHidden = 6
        config.gruLayers = kind == .tcGRU ? 2 : 1
        let decoder = SequenceDecoder<Float>(config: config, seed: kind == .tcGRU ? 31 : 32)
        var generator = SplitMix64(state: 33)
        decoder.setStandardization(
            Standardization(
                mean: (0..<width).map { _ in Float.random(in: -0.5...0.5, using: &generator) },
                std: (0..<width).map { _ in Float.random(in: 0.5...2, using: &generator) }))
        let model = TrainedModel(
            decoder: decoder, task: task, targets: ["a", "b"], labelVariance: .off, selection: Array(0..<width),
            datasetWidth: width)
        return Case(name: "\(kind.rawValue) \(task) \(method.rawValue)", model: model, method: method, steps: steps)
    }

    static let cases: [Case] = [
        makeCase(.gruFF, task: .binary, method: .riemannRight, steps: 50),
        makeCase(.tcGRU, task: .regression, method: .riemannRight, steps: 50),
        makeCase(.tcGRU, task: .binary, method: .gaussLegendre, steps: 20),
    ]

    /// One Python run for every case (loading torch dominates its time); the error is kept to rethrow.
    static let response: Result<[String: Any], Error> = Result {
        let request: [String: Any] = [
            "node_counts": [2, 7, 50],
            "cases": try cases.map { c -> [String: Any] in
                let config = try JSONSerialization.jsonObject(with: JSONEncoder().encode(c.model.decoder.config))
                var parameters: [String: [Float]] = [:]
                for p in c.model.decoder.parameters { parameters[p.name] = p.value }
                return [
                    "config": config, "params": parameters, "mean": c.model.decoder.standardization.mean,
                    "std": c.model.decoder.standardization.std,
                    "task": c.model.task == .binary ? "binary" : "regression", "sequences": utterances,
                    "outputs": [0, 1], "n_steps": c.steps,
                    "method": c.method == .riemannRight ? "riemann_right" : "gausslegendre",
                ]
            },
        ]
        return try CaptumReference.run(request)
    }

    func testDecoderAttributionsEqualCaptum() throws {
        let response = try Self.response.get()
        let reference = try XCTUnwrap(response["cases"] as? [[String: Any]])
        XCTAssertEqual(reference.count, Self.cases.count)
        for (c, theirs) in zip(Self.cases, reference) {
            let attributions = try XCTUnwrap(theirs["attributions"] as? [[[Double]]])
            let deltas = try XCTUnwrap(theirs["delta"] as? [[Double]])
            let outputs = try XCTUnwrap(theirs["outputs"] as? [[Double]])
            let ours = try IntegratedGradients(steps: c.steps, method: c.method).attribute(
                Self.utterances, model: c.model)
            var largest = 0.0
            var worst = 0.0
            for (u, utterance) in ours.enumerated() {
                for j in 0..<2 {
                    XCTAssertEqual(Double(utterance.outputAtInput[j]), outputs[u][j], accuracy: 1e-5, c.name)
                    XCTAssertEqual(utterance.frameAttributions[j].count, attributions[u][j].count, c.name)
                    for (a, b) in zip(utterance.frameAttributions[j], attributions[u][j]) {
                        XCTAssertEqual(Double(a), b, accuracy: Self.tolerance, "\(c.name) utterance \(u) output \(j)")
                        largest = max(largest, abs(b))
                        worst = max(worst, abs(Double(a) - b))
                    }
                    XCTAssertEqual(utterance.completenessDelta[j], deltas[u][j], accuracy: Self.tolerance, c.name)
                }
            }
            XCTAssertGreaterThan(largest, 1e-3, "\(c.name): attributions too small for the comparison to mean much")
            // Float32 here against float64 there agree to about 1e-8 on these sizes: far inside the issue's
            // 1e-4 bar, which alone would not tell 50 steps from 53 on attributions this small.
            XCTAssertLessThan(worst, 1e-6, c.name)
        }
    }

    func testQuadratureNodesMatchCaptum() throws {
        let parsed = try Self.response.get()["nodes"] as? [String: [String: [[Double]]]]
        for (method, name) in [(IntegrationMethod.riemannRight, "riemann_right"), (.gaussLegendre, "gausslegendre")] {
            for n in [2, 7, 50] {
                let reference = try XCTUnwrap(parsed?[name]?[String(n)])
                let (alphas, weights) = try method.nodes(steps: n)
                XCTAssertEqual(alphas.count, reference[0].count)
                // Captum builds Riemann alphas with float32 torch.linspace, hence 1e-7.
                for (ours, theirs) in zip(alphas, reference[0]) { XCTAssertEqual(ours, theirs, accuracy: 1e-7) }
                for (ours, theirs) in zip(weights, reference[1]) { XCTAssertEqual(ours, theirs, accuracy: 1e-12) }
            }
        }
    }
}
