import Attribution
import Numerics
import Saliency
import XCTest

/// Bootstrap replicates of the IG score against the closed form of a linear model's attributions
/// (c[u, d] = W[j][d] · Σ_τ x[u, τ, d] from a zero baseline), weighted by hand.
final class AttributionReplicatesTests: XCTestCase {
    let weights: [[Double]] = [[0.5, -1, 0.25, 2], [1, 1, -1, 0.1]]
    let settings = BootstrapSettings(replicates: 25, seed: 9)

    func utterances() -> (frames: [[Float]], keys: [UInt64]) {
        var generator = SplitMix64(state: 31)
        let frames = randomUtterances(count: 40, width: 4, lengths: 1...7, generator: &generator)
        return (frames, (0..<40).map { PoissonBootstrap.key(of: "utt-\($0)") })
    }

    func pass(_ pieces: [Range<Int>]) throws -> AttributionPass<LinearModel> {
        let (frames, keys) = utterances()
        var pass = try AttributionPass(
            method: IntegratedGradients(steps: 4), replicas: [LinearModel(weights: weights, bias: [0, 0])],
            bootstrap: settings)
        for piece in pieces { try pass.add(Array(frames[piece]), keys: Array(keys[piece])) }
        return pass
    }

    func testEveryReplicateIsTheWeightedMeanOfTheClosedFormAttributions() throws {
        let replicates = try XCTUnwrap(try pass([0..<13, 13..<14, 14..<40]).replicates)
        XCTAssertEqual(replicates.count, 25)
        let (frames, keys) = utterances()
        for b in 0..<25 {
            var numerator = [[Double]](repeating: [Double](repeating: 0, count: 4), count: 2)
            var total = 0.0
            for (u, x) in frames.enumerated() {
                let w = Double(PoissonBootstrap.weight(seed: 9, replicate: b, key: keys[u]))
                total += w
                for d in 0..<4 {
                    var sum = 0.0
                    for t in 0..<(x.count / 4) { sum += Double(x[t * 4 + d]) }
                    for j in 0..<2 { numerator[j][d] += w * abs(weights[j][d] * sum) }
                }
            }
            let expected = (0..<4).map { d in (numerator[0][d] / total + numerator[1][d] / total) / 2 }
            let got = replicates.scores(replicate: b)
            for d in 0..<4 {
                XCTAssertEqual(got[d], expected[d], accuracy: 1e-5 * max(1, expected[d]), "b \(b) d \(d)")
            }
        }
        // Replicates vary around the point score (a bootstrap, not copies of it).
        let point = try pass([0..<40]).statistics.meanAbsolute
        let spread = (0..<25).map { abs(replicates.scores(replicate: $0)[3] - point[3]) }.max() ?? 0
        XCTAssertGreaterThan(spread, 1e-3)
    }

    func testPiecesMergeToTheWholeAndTheBytesRoundTrip() throws {
        let whole = try XCTUnwrap(try pass([0..<40]).replicates)
        var merged = try XCTUnwrap(try pass([0..<17]).replicates)
        try merged.merge(try XCTUnwrap(try pass([17..<40]).replicates))
        for b in 0..<25 {
            for (a, c) in zip(merged.scores(replicate: b), whole.scores(replicate: b)) {
                XCTAssertEqual(a, c, accuracy: 1e-12)
            }
        }
        XCTAssertEqual(try AttributionReplicates(bytes: whole.bytes), whole)
        var other = AttributionReplicates(width: 4, outputCount: 2, replicates: 25, seed: 10)
        XCTAssertThrowsError(try other.merge(whole), "another seed's replicates do not merge")
        XCTAssertThrowsError(try AttributionReplicates(bytes: Array(whole.bytes.dropLast(8))))
        XCTAssertThrowsError(try AttributionReplicates(bytes: AttributionStatistics(width: 4, outputs: [0]).bytes))
    }

    func testAPassWithReplicatesRefusesUtterancesWithoutKeys() throws {
        var pass = try AttributionPass(
            method: IntegratedGradients(steps: 4), replicas: [LinearModel(weights: weights, bias: [0, 0])],
            bootstrap: settings)
        XCTAssertThrowsError(try pass.add(utterances().frames))
        XCTAssertEqual(pass.statistics.count, 0, "nothing was added")
    }
}
