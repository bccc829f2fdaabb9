import Foundation
import Learn
import Numerics
import TestSupport
import XCTest

/// The learned binary fusion's logistic fit against scikit-learn's unpenalised LogisticRegression, and the
/// least-squares fit against a combination it must recover exactly.
final class FusionFitTests: XCTestCase {
    func testLogisticFitMatchesScikitLearn() throws {
        var g = SeededGenerator(seed: 17)
        var rows = [[Double]]()
        var y = [Double]()
        for _ in 0..<400 {
            let truth = g.uniform() < 0.5 ? 1.0 : 0.0
            // Two noisy members' probabilities of the positive class, the second less informative.
            let a = 1 / (1 + exp(-(2 * (truth - 0.5) * 1.5 + Double.random(in: -2...2, using: &g))))
            let b = 1 / (1 + exp(-(2 * (truth - 0.5) * 0.5 + Double.random(in: -2...2, using: &g))))
            rows.append([a, b])
            y.append(truth)
        }
        let fit = FusionFit.logistic(rows, y)
        let scratch = try ScratchDirectory("logistic-ref")
        defer { scratch.remove() }
        let url = scratch.path("request.json")
        try JSONSerialization.data(withJSONObject: ["rows": rows, "y": y]).write(to: url)
        let reference = try runReferenceScript(target: "LearnTests", "logistic_reference.py", [url.path])
        assertClose(fit.weights, reference["weights"] as? [Double] ?? [], relative: 1e-5)
        XCTAssertEqual(fit.bias, reference["bias"] as? Double ?? .nan, accuracy: 1e-5)
        XCTAssertGreaterThan(fit.weights[0], fit.weights[1], "the more informative member weighs more")
    }

    func testLeastSquaresRecoversAnExactCombination() {
        var g = SeededGenerator(seed: 3)
        let rows = (0..<50).map { _ in [Double.random(in: -1...1, using: &g), Double.random(in: -1...1, using: &g)] }
        let y = rows.map { 0.3 * $0[0] - 1.7 * $0[1] + 0.25 }
        let fit = FusionFit.leastSquares(rows, y)
        assertClose(fit.weights, [0.3, -1.7], relative: 1e-10)
        XCTAssertEqual(fit.bias, 0.25, accuracy: 1e-10)
    }
}
