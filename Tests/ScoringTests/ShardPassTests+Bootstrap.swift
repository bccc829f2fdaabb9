import Foundation
import Numerics
import Saliency
import Scoring
import Shards
import TestSupport
import XCTest

/// Bootstrap replicates through the streaming pass: the same numbers whatever the units' size and the
/// threads (utterances cut by units are weighted once, by their id), and equal to the moments of the
/// resample built from the pass's pooled rows and the weights of their utterance ids.
extension ShardPassTests {
    func testBootstrapReplicatesDoNotDependOnUnitSizeOrThreads() throws {
        let directory = try ScratchDirectory("bootstrap-pass")
        defer { directory.remove() }
        _ = try writeShards(in: directory)
        let settings = BootstrapSettings(replicates: 12, seed: 77)
        for pooling in Pooling.allCases {
            var reference: BootstrapMomentsPartial?
            for (threads, framesPerRead) in [(1, 4096), (2, 3), (3, 8), (1, 20)] {
                let pass = ShardPass(
                    sources: sources(directory), split: .train, pooling: pooling, threads: threads,
                    framesPerRead: framesPerRead)
                let partials = try pass.accumulate(
                    PassPartials(
                        dimensions: 0..<ShardPassTests.dimension, targetCount: 3, moments: true, bootstrap: settings))
                let replicates = try XCTUnwrap(partials.bootstrapMoments)
                XCTAssertEqual(replicates.replicates.count, 12)
                guard let reference else {
                    reference = replicates
                    continue
                }
                for (a, b) in zip(replicates.replicates, reference.replicates) {
                    let what = "\(pooling), \(threads) threads, \(framesPerRead) frames per unit"
                    XCTAssertEqual(a.count, b.count, what)
                    assertClose(a.meanX, b.meanX, relative: 1e-9, what)
                    assertClose(a.m2X, b.m2X, relative: 1e-9, what)
                    assertClose(a.cross, b.cross, relative: 1e-9, what)
                }
            }
        }
    }

    func testBootstrapReplicateCountsAreTheWeightsOfTheTrainUtteranceIds() throws {
        let directory = try ScratchDirectory("bootstrap-pass")
        defer { directory.remove() }
        let written = try writeShards(in: directory)
        // Ids are "<shard>-<index>" in write order.
        var ids = [String]()
        var frames = [Int]()
        for (index, utterance) in written.enumerated() where utterance.split == .train {
            ids.append("\(index / 90)-\(index % 90)")
            frames.append(utterance.frames.count)
        }
        let pass = ShardPass(
            sources: sources(directory), split: .train, pooling: .frame, threads: 2, framesPerRead: 5)
        let partials = try pass.accumulate(
            PassPartials(
                dimensions: 0..<ShardPassTests.dimension, targetCount: 3, moments: true,
                bootstrap: BootstrapSettings(replicates: 5, seed: 2)))
        for (replicate, moments) in try XCTUnwrap(partials.bootstrapMoments).replicates.enumerated() {
            let expected = zip(ids, frames).reduce(0) {
                $0 + $1.1 * PoissonBootstrap.weight(seed: 2, replicate: replicate, key: PoissonBootstrap.key(of: $1.0))
            }
            XCTAssertEqual(moments.count, expected, "replicate \(replicate)")
        }
    }
}
