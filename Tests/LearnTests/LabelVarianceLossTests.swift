import Learn
import Numerics
import TestSupport
import XCTest

/// The label-variance losses (`weighted`, `nll`, `distribution`): gradients against central finite
/// differences, values and gradients against torch autograd written from the formulas
/// (`Python/label_variance_reference.py`), NaN ratings skipped and utterances with fewer than two ratings
/// finite, and the head's reported outputs and backward seeds.
final class LabelVarianceLossTests: XCTestCase {
    static func sample(_ count: Int, seed: UInt64, in range: ClosedRange<Double> = -2...2) -> [Double] {
        var g = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Double.random(in: range, using: &g) }
    }

    func random(_ count: Int, seed: UInt64, in range: ClosedRange<Double> = -2...2) -> [Double] {
        Self.sample(count, seed: seed, in: range)
    }

    /// Central differences of `f` at `x`.
    func numericGradient(_ x: [Double], _ f: ([Double]) -> Double) -> [Double] {
        let h = 1e-6
        return (0..<x.count).map { i in
            var plus = x
            plus[i] += h
            var minus = x
            minus[i] -= h
            return (f(plus) - f(minus)) / (2 * h)
        }
    }

    func testWeightedLossGradientsMatchFiniteDifferencesForEveryKind() {
        let weights = random(18, seed: 5, in: 0.1...1)
        for kind in LossKind.allCases {
            let loss = Loss(terms: [
                LossTerm(column: 0, kind: kind, weight: 0.5), LossTerm(column: 1, kind: kind, weight: 1.5),
            ])
            let x = random(18, seed: 1)
            let y = kind == .bce ? random(18, seed: 2).map { $0 < 0 ? 0 : 1 } : random(18, seed: 2)
            let (_, gradient) = loss.evaluate(predictions: x, targets: y, weights: weights, columns: 2)
            let numeric = numericGradient(x) {
                loss.evaluate(predictions: $0, targets: y, weights: weights, columns: 2).value
            }
            for i in 0..<x.count { XCTAssertEqual(gradient[i], numeric[i], accuracy: 1e-7, "\(kind) ∂/∂x[\(i)]") }
        }
    }

    func testWeightedLossWithEqualWeightsIsTheUnweightedLoss() {
        for kind in LossKind.allCases {
            let loss = Loss(terms: [LossTerm(column: 0, kind: kind, weight: 1)])
            let x = random(11, seed: 3)
            let y = kind == .bce ? random(11, seed: 4).map { $0 < 0 ? 0 : 1 } : random(11, seed: 4)
            let plain = loss.evaluate(predictions: x, targets: y, columns: 1)
            let weighted = loss.evaluate(
                predictions: x, targets: y, weights: Array(repeating: 0.3, count: 11), columns: 1)
            XCTAssertEqual(weighted.value, plain.value, accuracy: 1e-12, "\(kind)")
            for (a, b) in zip(weighted.gradient, plain.gradient) { XCTAssertEqual(a, b, accuracy: 1e-12, "\(kind)") }
        }
    }

    /// Ratings of 6 utterances by 4 raters with NaN gaps: utterance 4 has one rating, utterance 5 two.
    static let ratings: [[Double]] = [
        [1, 2, 2, 3], [-1, .nan, 0, 0], [3, 4, 4, .nan], [-2, -3, -3, -1], [.nan, 2, .nan, .nan], [0, .nan, .nan, 1],
    ]

    /// Consensus (mean of the available ratings) and spread (their population std) as the shards give them.
    static func consensus() -> (labels: [Double], spreads: [Double]) {
        let flat = ratings.flatMap { $0.map(Float.init) }
        let spreads = UtteranceSet.raterSpread(ratings: flat, count: ratings.count, raters: 4, targets: 1)
        let labels = ratings.map { r in
            let v = r.filter { !$0.isNaN }
            return v.reduce(0, +) / Double(v.count)
        }
        return (labels, spreads.map(Double.init))
    }

    func testGaussianNLLMatchesTorchOnIndividualRatingsAndFiniteDifferences() throws {
        let (labels, spreads) = Self.consensus()
        let mu = random(6, seed: 7)
        let z = random(6, seed: 8)
        let floor = 0.05
        let raw = (0..<6).flatMap { [mu[$0], z[$0]] }
        let (value, gradient) = GaussianNLL.evaluate(
            predictions: raw, labels: labels, spreads: spreads, targets: 1, floor: [floor])
        XCTAssertTrue(value.isFinite)
        let numeric = numericGradient(raw) {
            GaussianNLL.evaluate(predictions: $0, labels: labels, spreads: spreads, targets: 1, floor: [floor]).value
        }
        for i in 0..<raw.count { XCTAssertEqual(gradient[i], numeric[i], accuracy: 1e-7, "nll ∂/∂raw[\(i)]") }

        // The spreads come through Float (as the shards' are), so agreement is to Float's resolution, 1e-7.
        let reference = try Self.reference()["nll"] as? [String: Any] ?? [:]
        XCTAssertEqual(value, reference["value"] as? Double ?? .nan, accuracy: 1e-7)
        let gMu = reference["gradient_mu"] as? [Double] ?? []
        let gZ = reference["gradient_z"] as? [Double] ?? []
        XCTAssertEqual(gMu.count, 6)
        for u in 0..<min(6, gMu.count, gZ.count) {
            XCTAssertEqual(gradient[2 * u], gMu[u], accuracy: 1e-7)
            XCTAssertEqual(gradient[2 * u + 1], gZ[u], accuracy: 1e-7)
        }
    }

    func testNLLOfAnUtteranceWithNoSpreadStaysFiniteAtTheFloor() {
        // s = 0 (one rating) and a spread logit pushing σ² to its floor: finite value and gradient.
        let (value, gradient) = GaussianNLL.evaluate(
            predictions: [0.5, -60.0], labels: [0.5], spreads: [0], targets: 1, floor: [1e-6])
        XCTAssertTrue(value.isFinite)
        XCTAssertEqual(value, 0.5 * log(2 * Double.pi * 1e-6), accuracy: 1e-9)
        XCTAssertTrue(gradient.allSatisfy(\.isFinite))
    }

    func testDistributionHistogramsSkipNaNAndLossMatchesTorchAndFiniteDifferences() throws {
        let centres: [Double] = [-4, -3, -2, -1, 0, 1, 2, 3, 4]
        let flat = Self.ratings.flatMap { $0.map(Float.init) }
        let (labels, spreads) = Self.consensus()
        let set = UtteranceSet(
            width: 1, frames: [Float](repeating: 0, count: 6), offsets: Array(0...6), labels: labels.map(Float.init),
            spreads: spreads.map(Float.init), ids: (0..<6).map { "u\($0)" }, targetCount: 1, ratings: flat,
            raterCount: 4)
        let q = RatingDistribution.histograms(set, centres: centres)
        // Utterance 1: ratings −1, 0, 0 (one NaN) → 1/3 at −1, 2/3 at 0; utterance 4: its single rating 2.
        XCTAssertEqual(q[9 + 3], 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(q[9 + 4], 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(q[36 + 6], 1)
        XCTAssertEqual(
            RatingDistribution.binCentres(set, bins: 9), [-3, -2.125, -1.25, -0.375, 0.5, 1.375, 2.25, 3.125, 4])

        let logits = random(54, seed: 9, in: -3...3)
        let (value, gradient) = RatingDistribution.evaluate(predictions: logits, histograms: q, targets: 1, bins: 9)
        let numeric = numericGradient(logits) {
            RatingDistribution.evaluate(predictions: $0, histograms: q, targets: 1, bins: 9).value
        }
        for i in 0..<logits.count { XCTAssertEqual(gradient[i], numeric[i], accuracy: 1e-7, "∂/∂z[\(i)]") }

        let reference = try Self.reference()["distribution"] as? [String: Any] ?? [:]
        XCTAssertEqual(value, reference["value"] as? Double ?? .nan, accuracy: 1e-10)
        assertClose(gradient, reference["gradient"] as? [Double] ?? [], relative: 1e-10)
        // The reported mean and spread are the histogram's moments on the centres.
        let head = LabelVarianceHead(mode: .distribution, task: .regression, targets: 1, binCentres: centres)
        let reported = head.report(logits.map(Float.init))
        let means = reference["mean"] as? [Double] ?? []
        let sds = reference["sd"] as? [Double] ?? []
        XCTAssertEqual(means.count, 6)
        for u in 0..<min(6, means.count, sds.count) {
            XCTAssertEqual(Double(reported[2 * u]), means[u], accuracy: 1e-5)
            XCTAssertEqual(Double(reported[2 * u + 1]), sds[u], accuracy: 1e-5)
        }
    }

    func testHeadSeedsAreTheDerivativesOfTheReportedOutputs() {
        let centres: [Double] = [-1, 0, 1, 2]
        let heads = [
            LabelVarianceHead(mode: .nll, task: .regression, targets: 2, varianceFloor: [0.1, 0.2]),
            LabelVarianceHead(mode: .distribution, task: .regression, targets: 2, binCentres: centres),
            LabelVarianceHead(mode: .stdAux, task: .binary, targets: 2),
        ]
        for head in heads {
            // One row: the seed of output j is ∂report_j/∂raw, checked by central differences in Float.
            let raw = random(head.decoderOutputs, seed: 11, in: -1...1).map(Float.init)
            for j in 0..<head.reportedOutputs {
                let seed = head.seed(raw, output: j)
                for i in 0..<raw.count {
                    let h: Float = 1e-2
                    var plus = raw
                    plus[i] += h
                    var minus = raw
                    minus[i] -= h
                    let numeric = (head.report(plus)[j] - head.report(minus)[j]) / (2 * h)
                    XCTAssertEqual(seed[i], numeric, accuracy: 2e-3, "\(head.mode) ∂report[\(j)]/∂raw[\(i)]")
                }
            }
        }
    }

    static let referenceBatch = ReferenceOnce {
        let (labels, _) = consensus()
        let weights = sample(6, seed: 6, in: 0.1...1)
        return [
            "weighted": ["x": sample(6, seed: 12), "y": labels, "w": weights],
            "nll": [
                "mu": sample(6, seed: 7), "z": sample(6, seed: 8),
                "ratings": ratings.map { $0.map { $0.isNaN ? "NaN" : String($0) } }, "floor": 0.05,
            ],
            "distribution": [
                "logits": sample(54, seed: 9, in: -3...3), "centres": Array(-4...4),
                "ratings": ratings.map { $0.map { $0.isNaN ? "NaN" : String($0) } },
            ],
        ]
    }

    static func reference() throws -> [String: Any] { try referenceBatch.value() }

    func testWeightedCCCMatchesTorch() throws {
        let (labels, _) = Self.consensus()
        let x = random(6, seed: 12)
        let w = random(6, seed: 6, in: 0.1...1)
        let loss = Loss(terms: [LossTerm(column: 0, kind: .ccc, weight: 1)])
        let (value, gradient) = loss.evaluate(predictions: x, targets: labels, weights: w, columns: 1)
        let reference = try Self.reference()["weighted"] as? [String: Any] ?? [:]
        XCTAssertEqual(value, reference["value"] as? Double ?? .nan, accuracy: 1e-12)
        assertClose(gradient, reference["gradient"] as? [Double] ?? [], relative: 1e-10)
    }
}

/// Runs the label-variance reference script once per process (importing torch dominates its time).
final class ReferenceOnce: @unchecked Sendable {
    private let request: () -> [String: Any]
    private var outcome: Result<[String: Any], Error>?
    private let lock = NSLock()

    init(_ request: @escaping () -> [String: Any]) { self.request = request }

    func value() throws -> [String: Any] {
        lock.lock()
        defer { lock.unlock() }
        if outcome == nil {
            outcome = Result {
                let scratch = try ScratchDirectory("label-variance-ref")
                defer { scratch.remove() }
                let url = scratch.path("request.json")
                try JSONSerialization.data(withJSONObject: request()).write(to: url)
                return try runReferenceScript(target: "LearnTests", "label_variance_reference.py", [url.path])
            }
        }
        return try outcome!.get()
    }
}
