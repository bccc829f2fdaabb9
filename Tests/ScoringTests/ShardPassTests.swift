import Foundation
import HDF5
import Numerics
import Saliency
import Scoring
import Shards
import TestFixtures
import TestSupport
import XCTest

/// The streaming pass's invariants, checked on the library itself (they were only reachable through the
/// `salience scores` binary): an utterance cut by the units' edges is pooled whole, the result does not
/// depend on threads or unit size, a task's utterance range reads exactly its utterances, and the failure
/// reported is the earliest in shard and frame order.
final class ShardPassTests: XCTestCase {
    /// Every utterance written, with the values the reference computes from.
    struct Written {
        var shard: String
        var split: Split
        var frames: [[Float]]  // frames of D values
        var labels: [Float]
    }

    static let dimension = 6
    static let targets = ["a", "b", "c"]

    /// Two shards with chunk rows of 8 frames; mostly short utterances, a train one longer than several
    /// units and a dev one longer than one, so small units cut utterances on both sides.
    func writeShards(in directory: ScratchDirectory) throws -> [Written] {
        var random = SeededGenerator(seed: 5)
        var written: [Written] = []
        let layout = ShardLayout(chunkRows: 8, columnBlock: 4, gzipLevel: 1, shuffle: true)
        for shard in 0..<2 {
            let name = "pass-\(shard).h5"
            let writer = try ShardWriter(
                url: directory.path(name), dimension: Self.dimension,
                metadata: ShardMetadata(encoder: "test", task: .regression, targets: Self.targets), layout: layout)
            for index in 0..<90 {
                let (length, split): (Int, Split) =
                    index == 20
                    ? (75, .train)
                    : index == 50 ? (40, .dev) : (1 + Int(random.next() % 7), [.train, .train, .dev, .test][index % 4])
                let frames = (0..<length).map { _ in (0..<Self.dimension).map { _ in Float(random.gaussian()) } }
                let labels = Self.targets.map { _ in Float(random.gaussian()) }
                try writer.append(id: "\(shard)-\(index)", split: split, frames: frames.flatMap { $0 }, labels: labels)
                written.append(Written(shard: name, split: split, frames: frames, labels: labels))
            }
            try writer.finish()
        }
        return written
    }

    func sources(_ directory: ScratchDirectory) -> [PassSource] {
        ["pass-0.h5", "pass-1.h5"].map { PassSource(url: directory.path($0)) }
    }

    /// The pass's pooled rows, in merge order.
    func pooledRows(
        _ pass: ShardPass, columns: [Int]? = nil
    ) throws -> (features: [Double], targets: [Double], first: Int) {
        let collected = Collected()
        try pass.run(columns: columns, compute: { $0 }, merge: { collected.batches.append($0) })
        let all = try Observations.concatenating(collected.batches)
        return (all.features, all.targets, all.firstDimension)
    }

    func testUtterancesCutByUnitsArePooledWholeOnAnyThreadCountAndUnitSize() throws {
        let directory = try ScratchDirectory("pass")
        defer { directory.remove() }
        let written = try writeShards(in: directory)
        for split in Split.allCases {
            // The reference: each utterance's mean, in Float64, summed in frame order, from the values written.
            let wanted = written.filter { $0.split == split }
            var features: [Double] = []
            var targets: [Double] = []
            for utterance in wanted {
                for column in 0..<Self.dimension {
                    let sum = utterance.frames.reduce(0.0) { $0 + Double($1[column]) }
                    features.append(sum / Double(utterance.frames.count))
                }
                targets.append(contentsOf: utterance.labels.map(Double.init))
            }
            var first: [Double]?
            for threads in [1, 2, 4] {
                for framesPerRead in [3, 8, 20, 4096] {
                    let pass = ShardPass(
                        sources: sources(directory), split: split, pooling: .utterance, threads: threads,
                        framesPerRead: framesPerRead)
                    let rows = try pooledRows(pass)
                    let what = "\(split), \(threads) threads, \(framesPerRead) frames per unit"
                    XCTAssertEqual(rows.features.count, features.count, what)
                    XCTAssertEqual(rows.targets, targets, what)
                    for (index, (x, y)) in zip(rows.features, features).enumerated() {
                        XCTAssertEqual(x, y, accuracy: 1e-12 * max(1, abs(y)), "\(what), value \(index)")
                    }
                    // Order independence: bit for bit the same rows whatever the threads and units.
                    if let first { XCTAssertEqual(rows.features, first, what) } else { first = rows.features }
                }
            }
        }
    }

    /// A lent reader lives only while the pass reads its shard: the file and libhdf5's metadata cache for it
    /// (which grows with the chunks looked up) are let go, so a pass over many shards does not hold them all.
    /// The pass itself stays usable: a second run opens the shards again and gives the same rows.
    func testALentReaderIsLetGoOnceItsShardIsReadAndALaterRunOpensItAgain() throws {
        let directory = try ScratchDirectory("pass")
        defer { directory.remove() }
        _ = try writeShards(in: directory)
        var lent: [String: ShardReader]? = try Dictionary(
            uniqueKeysWithValues: ["pass-0.h5", "pass-1.h5"].map { ($0, try ShardReader(url: directory.path($0))) })
        weak var first = lent?["pass-0.h5"]
        weak var second = lent?["pass-1.h5"]
        let pass = ShardPass(
            sources: sources(directory), opened: lent ?? [:], split: .train, pooling: .utterance, threads: 2,
            framesPerRead: 8)
        lent = nil
        XCTAssertNotNil(first, "the pass holds a lent reader until it reads its shard")
        let rows = try pooledRows(pass)
        XCTAssertNil(first, "shard 0's reader let go after the run")
        XCTAssertNil(second, "shard 1's reader let go after the run")
        let again = try pooledRows(pass)
        XCTAssertEqual(again.features, rows.features)
        XCTAssertEqual(again.targets, rows.targets)
        XCTAssertFalse(rows.features.isEmpty)
    }

    func testFramePoolingKeepsEveryFrameWithItsUtterancesLabels() throws {
        let directory = try ScratchDirectory("pass")
        defer { directory.remove() }
        let written = try writeShards(in: directory)
        let wanted = written.filter { $0.split == .train }
        let features = wanted.flatMap { $0.frames.flatMap { $0.map(Double.init) } }
        let targets = wanted.flatMap { utterance in utterance.frames.flatMap { _ in utterance.labels.map(Double.init) }
        }
        for threads in [1, 3] {
            let pass = ShardPass(
                sources: sources(directory), split: .train, pooling: .frame, threads: threads, framesPerRead: 5)
            let rows = try pooledRows(pass)
            XCTAssertEqual(rows.features, features, "\(threads) threads")
            XCTAssertEqual(rows.targets, targets, "\(threads) threads")
        }
    }

    func testAnUtteranceRangeTargetColumnsAndColumnsReadExactlyTheirShare() throws {
        let directory = try ScratchDirectory("pass")
        defer { directory.remove() }
        let written = try writeShards(in: directory).filter { $0.shard == "pass-1.h5" }
        let range = 17..<58  // cuts into the shard mid chunk row, and holds the long train utterance
        let columns = [2, 3, 4]
        let targetColumns = [2, 0]
        var features: [Double] = []
        var targets: [Double] = []
        for utterance in written[range] where utterance.split == .train {
            for column in columns {
                features.append(
                    utterance.frames.reduce(0.0) { $0 + Double($1[column]) } / Double(utterance.frames.count))
            }
            targets.append(contentsOf: targetColumns.map { Double(utterance.labels[$0]) })
        }
        for threads in [1, 2] {
            let pass = ShardPass(
                sources: [PassSource(url: directory.path("pass-1.h5"), utterances: range)], split: .train,
                pooling: .utterance, targetColumns: targetColumns, threads: threads, framesPerRead: 8)
            let rows = try pooledRows(pass, columns: columns)
            XCTAssertEqual(rows.first, 2, "contiguous columns number the dimensions from the first")
            XCTAssertEqual(rows.targets, targets)
            XCTAssertEqual(rows.features.count, features.count)
            for (x, y) in zip(rows.features, features) { XCTAssertEqual(x, y, accuracy: 1e-12) }
            // What it says it read: only the three columns, every train frame of the range, whole chunk rows
            // around it at most (never the whole shard's width or more than its frames).
            let rowBytes = columns.count * MemoryLayout<Float>.stride
            let trainFrames = written[range].filter { $0.split == .train }.map(\.frames.count).reduce(0, +)
            XCTAssertEqual(pass.bytesRead % rowBytes, 0)
            XCTAssertGreaterThanOrEqual(pass.bytesRead, trainFrames * rowBytes)
            XCTAssertLessThanOrEqual(pass.bytesRead, written.map(\.frames.count).reduce(0, +) * rowBytes)
        }
        let outside = ShardPass(
            sources: [PassSource(url: directory.path("pass-1.h5"), utterances: 80..<91)], split: .train,
            pooling: .utterance, threads: 1)
        XCTAssertThrowsError(try pooledRows(outside)) { error in
            XCTAssertTrue("\(error)".contains("pass-1.h5") && "\(error)".contains("80..<91"), "\(error)")
        }
    }

    /// Two bad values in the second shard: the one reported is the first in frame order, whichever thread
    /// meets which first, and no unit after it is merged.
    func testTheEarliestFailureIsReportedWhateverTheThreadTiming() throws {
        let directory = try ScratchDirectory("pass")
        defer { directory.remove() }
        let frames = 600
        try NonFiniteShards.write(in: directory.url, frames: frames, chunkRows: 16, nan: (310, 3), infinity: (450, 1))
        for threads in [1, 2, 4] {
            for _ in 0..<3 {
                let merged = Collected()
                let pass = ShardPass(
                    sources: ["a.h5", "b.h5"].map { PassSource(url: directory.path($0)) }, split: .train,
                    pooling: .frame, threads: threads, framesPerRead: 16)
                XCTAssertThrowsError(
                    try pass.run(columns: nil, compute: { $0 }, merge: { merged.batches.append($0) })
                ) { error in
                    XCTAssertTrue("\(error)".contains("b.h5: embeddings[310, 3]: nan"), "\(threads) threads: \(error)")
                }
                // Every frame before the bad unit was merged, none at or after it: shard a whole, and b's
                // frames before the unit holding frame 310 (units of 16 frames: 304..<320).
                XCTAssertEqual(merged.batches.reduce(0) { $0 + $1.count }, frames + 304, "\(threads) threads")
            }
        }
    }
}

/// Batches kept by a pass's merge (one at a time).
final class Collected: @unchecked Sendable {
    var batches: [Observations] = []
}
