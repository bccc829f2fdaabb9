import Foundation
import Saliency
import Scoring
import Shards
import TestSupport
import XCTest

/// `accumulate` gathers small pooled batches before giving them partials (`BatchCoalescer`): the partials
/// must still be those of every row, once, and the same to the bit whatever the number of threads.
extension ShardPassTests {
    func testAccumulatedMomentsAndCovarianceAreEveryRowsOnceOnAnyThreadCount() throws {
        let directory = try ScratchDirectory("pass-accumulate")
        defer { directory.remove() }
        _ = try writeShards(in: directory)
        let d = Self.dimension
        // Frame pooling gives a few hundred train rows: units of 3 to 20 frames give batches that are gathered
        // and flushed several times, units of 4096 frames one batch of every row, given partials directly.
        for pooling in [Pooling.utterance, .frame] {
            let reference = try pooledRows(
                ShardPass(sources: sources(directory), split: .train, pooling: pooling, threads: 1))
            let n = reference.features.count / d
            // Centred co-moments and means in Float64, two passes, from the pooled rows themselves.
            var mean = [Double](repeating: 0, count: d)
            for row in 0..<n { for c in 0..<d { mean[c] += reference.features[row * d + c] / Double(n) } }
            var comoments = [Double](repeating: 0, count: d * d)
            for row in 0..<n {
                for r in 0..<d {
                    for c in 0..<d {
                        comoments[r * d + c] +=
                            (reference.features[row * d + r] - mean[r]) * (reference.features[row * d + c] - mean[c])
                    }
                }
            }
            for framesPerRead in [3, 8, 20, 4096] {
                var first: PassPartials?
                for threads in [1, 2, 4] {
                    let pass = ShardPass(
                        sources: sources(directory), split: .train, pooling: pooling, threads: threads,
                        framesPerRead: framesPerRead)
                    let partials = try pass.accumulate(
                        PassPartials(dimensions: 0..<d, targetCount: 3, moments: true, covariance: true))
                    let what = "\(pooling), \(threads) threads, \(framesPerRead) frames per unit"
                    let covariance = try XCTUnwrap(partials.covariance)
                    XCTAssertEqual(partials.rows, n, what)
                    XCTAssertEqual(covariance.count, n, what)
                    XCTAssertEqual(try XCTUnwrap(partials.moments).count, n, what)
                    assertClose(covariance.meanRows, mean, relative: 1e-12, what)
                    assertClose(covariance.comoments, comoments, relative: 1e-12, what)
                    if let first {
                        XCTAssertEqual(covariance, first.covariance, what)
                        XCTAssertEqual(partials.moments?.serialized(), first.moments?.serialized(), what)
                    } else {
                        first = partials
                    }
                }
            }
        }
    }
}
