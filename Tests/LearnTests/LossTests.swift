import Learn
import Numerics
import XCTest

/// Every loss's gradient against central finite differences, and the std-aux composition and rater
/// spread against independent closed forms.
final class LossTests: XCTestCase {
    func randomColumns(_ rows: Int, _ columns: Int, seed: UInt64, binary: Bool = false) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0..<(rows * columns)).map { _ in
            binary ? (g.uniform() < 0.5 ? 0 : 1) : Double.random(in: -2...2, using: &g)
        }
    }

    func testEveryLossGradientMatchesFiniteDifferences() {
        for kind in LossKind.allCases {
            let loss = Loss(terms: [
                LossTerm(column: 0, kind: kind, weight: 0.5), LossTerm(column: 1, kind: kind, weight: 1.5),
            ])
            let x = randomColumns(9, 2, seed: 1)
            let y = randomColumns(9, 2, seed: 2, binary: kind == .bce)
            let (_, gradient) = loss.evaluate(predictions: x, targets: y, columns: 2)
            let h = 1e-6
            for i in 0..<x.count {
                var plus = x
                plus[i] += h
                var minus = x
                minus[i] -= h
                let numeric =
                    (loss.evaluate(predictions: plus, targets: y, columns: 2).value
                        - loss.evaluate(predictions: minus, targets: y, columns: 2).value) / (2 * h)
                XCTAssertEqual(gradient[i], numeric, accuracy: 1e-7, "\(kind) ∂/∂x[\(i)]")
            }
        }
    }

    func testLossValuesMatchClosedForms() {
        let x: [Double] = [1, 2, 3, 4]
        let y: [Double] = [2, 2, 4, 5]
        // Population moments by hand: x̄ = 2.5, ȳ = 3.25, var x = 1.25, var y = 1.6875, cov = 1.375.
        let ccc = 2 * 1.375 / (1.25 + 1.6875 + 0.75 * 0.75)
        let pearson = 1.375 / (1.25 * 1.6875).squareRoot()
        func value(_ kind: LossKind, _ targets: [Double] = [2, 2, 4, 5]) -> Double {
            Loss(terms: [LossTerm(column: 0, kind: kind, weight: 1)]).evaluate(
                predictions: x, targets: targets, columns: 1
            ).value
        }
        XCTAssertEqual(value(.ccc), 1 - ccc, accuracy: 1e-12)
        XCTAssertEqual(value(.pearson), 1 - pearson, accuracy: 1e-12)
        XCTAssertEqual(value(.mse), (1 + 0 + 1 + 1) / 4.0, accuracy: 1e-12)
        let labels: [Double] = [0, 1, 1, 0]
        let bce = zip(x, labels).map { z, t in -(t * log(1 / (1 + exp(-z))) + (1 - t) * log(1 - 1 / (1 + exp(-z)))) }
        XCTAssertEqual(value(.bce, labels), bce.reduce(0, +) / 4, accuracy: 1e-12)
    }

    func testStdAuxLossIsMeanLossPlusLambdaSpreadLoss() {
        // Two targets, four outputs: means then spreads.
        let predictions = randomColumns(7, 4, seed: 3)
        let targets = randomColumns(7, 4, seed: 4)
        let lambda = 0.7
        let loss = LabelVarianceMode.stdAux.loss(targets: 2, meanLoss: .ccc, spreadWeight: lambda)
        func oneMinusCCC(_ column: Int) -> Double {
            Loss(terms: [LossTerm(column: column, kind: .ccc, weight: 1)]).evaluate(
                predictions: predictions, targets: targets, columns: 4
            ).value
        }
        let expected = (oneMinusCCC(0) + oneMinusCCC(1)) / 2 + lambda * (oneMinusCCC(2) + oneMinusCCC(3)) / 2
        XCTAssertEqual(
            loss.evaluate(predictions: predictions, targets: targets, columns: 4).value, expected, accuracy: 1e-12)
        XCTAssertEqual(LabelVarianceMode.stdAux.outputCount(targets: 2), 4)
        XCTAssertEqual(LabelVarianceMode.off.outputCount(targets: 2), 2)
        XCTAssertEqual(LabelVarianceMode.off.loss(targets: 2, meanLoss: .ccc, spreadWeight: lambda).terms.count, 2)
    }

    func testRaterSpreadIsPopulationStdSkippingNaN() {
        // Utterance 0: ratings 1, 3, NaN → std 1; utterance 1: one rater → 0; target 2 of utterance 0: 2, 2, 5.
        let nan = Float.nan
        let ratings: [Float] = [
            1, 2,  // utterance 0, rater 0 (targets 0, 1)
            3, 2,
            nan, 5,
            4, nan,  // utterance 1
            nan, nan,
            nan, nan,
        ]
        let spread = UtteranceSet.raterSpread(ratings: ratings, count: 2, raters: 3, targets: 2)
        XCTAssertEqual(spread[0], 1, accuracy: 1e-6)
        XCTAssertEqual(spread[1], Float(2.0.squareRoot()), accuracy: 1e-6)  // mean 3, deviations −1, −1, 2: var 6/3
        XCTAssertEqual(spread[2], 0)
        XCTAssertEqual(spread[3], 0)
    }
}
