import Learn
import Numerics
import XCTest

/// CCC, Pearson, MSE and ROC AUC (with ties) against numpy and scikit-learn.
final class MetricsTests: XCTestCase {
    func testMetricsMatchNumpyAndScikitLearn() throws {
        var g = SeededGenerator(seed: 31)
        var cases = [[String: Any]]()
        var inputs = [([Double], [Double], [Double])]()
        for n in [5, 40, 200] {
            // Scores rounded to one decimal so that many tie, across classes too.
            let x = (0..<n).map { _ in (Double.random(in: -1...1, using: &g) * 10).rounded() / 10 }
            let y = x.map { $0 * 0.8 + Double.random(in: -0.5...0.5, using: &g) + 0.3 }
            let labels = x.map { v in v + Double.random(in: -0.6...0.6, using: &g) > 0 ? 1.0 : 0.0 }
            inputs.append((x, y, labels))
            cases.append(["predictions": x, "targets": y, "labels": labels])
        }
        let response = try ReferencePython.run(["metrics": ["mode": "metrics", "cases": cases]])
        let results = response["metrics"]?["results"] as? [[String: Double]] ?? []
        XCTAssertEqual(results.count, inputs.count)
        for ((x, y, labels), reference) in zip(inputs, results) {
            XCTAssertEqual(Metrics.ccc(x, y), reference["ccc"] ?? .nan, accuracy: 1e-12)
            XCTAssertEqual(Metrics.pearson(x, y), reference["pearson"] ?? .nan, accuracy: 1e-12)
            XCTAssertEqual(Metrics.mse(x, y), reference["mse"] ?? .nan, accuracy: 1e-12)
            XCTAssertEqual(Metrics.rocAUC(x, labels), reference["auc"] ?? .nan, accuracy: 1e-12)
        }
    }

    func testAUCClosedFormsAndUndefinedCases() {
        XCTAssertEqual(Metrics.rocAUC([0.1, 0.2, 0.3, 0.4], [0, 0, 1, 1]), 1)
        XCTAssertEqual(Metrics.rocAUC([0.4, 0.3, 0.2, 0.1], [0, 0, 1, 1]), 0)
        XCTAssertEqual(Metrics.rocAUC([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]), 0.5)  // all tied: chance
        XCTAssertTrue(Metrics.rocAUC([0.1, 0.2], [1, 1]).isNaN)  // one class only
        XCTAssertTrue(Metrics.pearson([1, 1, 1], [1, 2, 3]).isNaN)  // constant predictions
        XCTAssertEqual(Metrics.ccc([1, 2, 3], [1, 2, 3]), 1)
    }
}
