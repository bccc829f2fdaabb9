import Foundation
import Numerics
import Saliency
import TestSupport
import XCTest

/// Bootstrap replicates of the moments against what they claim to be (the moments of the resample in which
/// every row is repeated its weight's times, computed by the unweighted code), their exact merge whatever
/// the cutting, and the stability estimate against a transcription of its authors' reference code.
final class BootstrapTests: XCTestCase {
    /// Planted data whose rows carry keys; `utterances` rows share each key (frame pooling's case) when > 1.
    func keyed(count: Int, dimensions: Int = 14, targets: Int = 2, framesPerUtterance: Int = 1) throws
        -> Observations
    {
        let batch = try TestData.planted(count: count, dimensions: dimensions, targets: targets, seed: 4)
        let keys = (0..<count).map { PoissonBootstrap.key(of: "utt-\($0 / framesPerUtterance)") }
        return try Observations(
            features: batch.features, targets: batch.targets, count: count, dimensions: dimensions,
            targetCount: targets, rowKeys: keys)
    }

    func assertSame(_ a: MomentsPartial, _ b: MomentsPartial, _ message: String) {
        XCTAssertEqual(a.count, b.count, message)
        assertClose(a.meanX, b.meanX, relative: 1e-9, "\(message) meanX")
        assertClose(a.meanY, b.meanY, relative: 1e-9, "\(message) meanY")
        assertClose(a.m2X, b.m2X, relative: 1e-9, "\(message) m2X")
        assertClose(a.m2Y, b.m2Y, relative: 1e-9, "\(message) m2Y")
        assertClose(a.cross, b.cross, relative: 1e-9, "\(message) cross")
    }

    func testEveryReplicateIsTheMomentsOfItsResample() throws {
        for framesPerUtterance in [1, 3] {
            let batch = try keyed(count: 90, framesPerUtterance: framesPerUtterance)
            let bootstrap = try BootstrapMomentsPartial(batch, replicates: 6, seed: 3)
            for (replicate, partial) in bootstrap.replicates.enumerated() {
                var rows = [Int]()
                for row in 0..<batch.count {
                    let w = PoissonBootstrap.weight(seed: 3, replicate: replicate, key: batch.rowKeys![row])
                    rows += Array(repeating: row, count: w)
                }
                let resample = try Observations(
                    features: rows.flatMap { batch.features[($0 * 14)..<($0 * 14 + 14)] },
                    targets: rows.flatMap { batch.targets[($0 * 2)..<($0 * 2 + 2)] }, count: rows.count,
                    dimensions: 14, targetCount: 2)
                assertSame(partial, MomentsPartial(resample), "replicate \(replicate), frames \(framesPerUtterance)")
            }
        }
    }

    func testReplicatesMergeToTheWholeWhateverTheCutting() throws {
        let batch = try keyed(count: 200, framesPerUtterance: 2)
        let whole = try BootstrapMomentsPartial(batch, replicates: 8, seed: 9)
        for cuts in [[1], [37, 38, 150], [10, 20, 30, 40, 199]] {
            let bounds = [0] + cuts + [batch.count]
            var merged = BootstrapMomentsPartial(dimensions: 0..<14, targetCount: 2, replicates: 8, seed: 9)
            // Merged back to front, so the order differs from the whole's too.
            for index in stride(from: bounds.count - 2, through: 0, by: -1) {
                try merged.merge(
                    BootstrapMomentsPartial(batch.rows(bounds[index]..<bounds[index + 1]), replicates: 8, seed: 9))
            }
            for replicate in 0..<8 {
                assertSame(merged.replicates[replicate], whole.replicates[replicate], "cuts \(cuts) #\(replicate)")
            }
        }
        var other = BootstrapMomentsPartial(dimensions: 0..<14, targetCount: 2, replicates: 8, seed: 10)
        XCTAssertThrowsError(try other.merge(whole))
    }

    func testBytesRoundTripExactly() throws {
        let partial = try BootstrapMomentsPartial(try keyed(count: 40), replicates: 4, seed: 1)
        XCTAssertEqual(try BootstrapMomentsPartial(serialized: partial.serialized()), partial)
        XCTAssertEqual(
            partial.serialized().count, BootstrapMomentsPartial.byteCount(replicates: 4, dimensions: 14, targets: 2))
        XCTAssertThrowsError(try MomentsPartial(serialized: partial.serialized()))
        var truncated = partial.serialized()
        truncated.removeLast(8)
        XCTAssertThrowsError(try BootstrapMomentsPartial(serialized: truncated))
    }

    /// Bytes of an earlier build (one moments partial per replicate, kind 5), written here field by field as
    /// that build wrote them, read as the same replicates.
    func testTheEarlierByteFormIsStillRead() throws {
        let partial = try BootstrapMomentsPartial(try keyed(count: 40), replicates: 4, seed: 1)
        var encoder = PartialEncoder(kind: .bootstrapMoments)
        encoder.write(UInt64(1))
        encoder.write(4)
        encoder.write(0)
        encoder.write(14)
        encoder.write(2)
        for replicate in partial.replicates {
            encoder.write(replicate.count)
            encoder.write(replicate.meanX)
            encoder.write(replicate.meanY)
            encoder.write(replicate.m2X)
            encoder.write(replicate.m2Y)
            encoder.write(replicate.cross)
        }
        let read = try BootstrapMomentsPartial(serialized: encoder.bytes())
        for (a, b) in zip(read.replicates, partial.replicates) { assertSame(a, b, "earlier form") }
    }

    func testRowsWithoutKeysAreRefused() throws {
        let batch = try TestData.planted(count: 20, dimensions: 14)
        XCTAssertThrowsError(try BootstrapMomentsPartial(batch, replicates: 3, seed: 1))
    }

    func testStabilityMatchesTheAuthorsReferenceFormula() throws {
        var generator = SplitMix64(seed: 5)
        var matrices = [[[Bool]]]()
        // Random sets of several densities, sizes varying per row, and fixed-size top-k-like sets.
        for (m, d, density) in [(2, 5, 0.5), (10, 30, 0.2), (25, 12, 0.7), (100, 64, 0.4)] {
            matrices.append((0..<m).map { _ in (0..<d).map { _ in generator.nextUniform() < density } })
        }
        matrices.append((0..<20).map { row in (0..<16).map { ($0 + row % 3) % 16 < 6 } })
        matrices.append(Array(repeating: [true, false, true, false, false], count: 5))
        let scratch = try ScratchDirectory()
        let file = scratch.path("z.json")
        let json = matrices.map { $0.map { $0.map { $0 ? 1 : 0 } } }
        try JSONSerialization.data(withJSONObject: json).write(to: file)
        let reference = try runReferenceScript("stability.py", [file.path])
        let results = try XCTUnwrap(reference["results"] as? [[String: Double]])
        XCTAssertEqual(results.count, matrices.count)
        for (matrix, expected) in zip(matrices, results) {
            let stability = try SelectionStability(selections: matrix)
            for (name, value) in [
                ("stability", stability.estimate), ("variance", stability.variance), ("lower", stability.lower),
                ("upper", stability.upper),
            ] {
                XCTAssertEqual(
                    value, expected[name]!, accuracy: 1e-12, "\(name) of \(matrix.count) x \(matrix[0].count)")
            }
        }
        XCTAssertEqual(try SelectionStability(selections: matrices.last!).estimate, 1, accuracy: 1e-15)
        XCTAssertThrowsError(try SelectionStability(selections: [[true]]))
    }
}
