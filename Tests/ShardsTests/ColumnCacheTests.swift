import Foundation
import Numerics
import Shards
import TestSupport
import XCTest

/// The worker's column cache: it returns exactly the shard's frames for any rows and columns, is built
/// once when tasks share it, is rebuilt when a shard changes, stays within its size by evicting the least
/// recently used entry, and never serves a partial entry left by a killed builder.
final class ColumnCacheTests: XCTestCase {
    func writeShard(_ url: URL, utterances: Int, dimension: Int, seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        let writer = try ShardWriter(
            url: url, dimension: dimension,
            metadata: ShardMetadata(encoder: "test", task: .regression, targets: ["a"]))
        for index in 0..<utterances {
            let frames = 1 + Int(random.next() % 40)
            try writer.append(
                id: "u\(index)", split: [.train, .dev, .test][index % 3],
                frames: (0..<(frames * dimension)).map { _ in Float(random.gaussian()) }, labels: [Float(index)])
        }
        try writer.finish()
    }

    func assertSameFrames(_ entry: CachedShard, _ reader: ShardReader, _ what: String) throws {
        for (utterances, columns) in [
            (0..<reader.utteranceCount, nil), (3..<17, [0, 63, 64, 65, 129, 5]), (19..<20, [130, 2]),
        ] as [(Range<Int>, [Int]?)] {
            let columns = columns?.filter { $0 < reader.dimension }
            let expected = try reader.readFrames(utterances: utterances, columns: columns).values
            let rows = reader.offsets[utterances.lowerBound]..<reader.offsets[utterances.upperBound]
            XCTAssertEqual(
                entry.read(rows: rows, columns: columns), expected, "\(what): \(utterances) \(columns ?? [])")
        }
    }

    func testTasksSharingTheCacheReadTheShardsFramesAndBuildItOnce() throws {
        let scratch = try ScratchDirectory("column-cache")
        defer { scratch.remove() }
        let shard = scratch.path("s.h5")
        try writeShard(shard, utterances: 60, dimension: 131, seed: 1)  // three blocks, the last 3 wide
        let cache = try ColumnCache(directory: scratch.path("cache"), limitBytes: 1 << 30)
        let created = Counter()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            do {
                let reader = try ShardReader(url: shard)
                let (entry, built) = try cache.entry(for: reader)
                if built { created.add() }
                try assertSameFrames(entry, reader, "shared")
            } catch {
                XCTFail("\(error)")
            }
        }
        XCTAssertEqual(created.value, 1, "one task builds, the others wait and read")
        XCTAssertFalse(try cache.entry(for: ShardReader(url: shard)).created)
    }

    func testARewrittenShardGetsAFreshEntry() throws {
        let scratch = try ScratchDirectory("column-cache")
        defer { scratch.remove() }
        let shard = scratch.path("s.h5")
        try writeShard(shard, utterances: 30, dimension: 70, seed: 1)
        let cache = try ColumnCache(directory: scratch.path("cache"), limitBytes: 1 << 30)
        XCTAssertTrue(try cache.entry(for: ShardReader(url: shard)).created)
        try FileManager.default.removeItem(at: shard)
        try writeShard(shard, utterances: 30, dimension: 70, seed: 2)
        let reader = try ShardReader(url: shard)
        let (entry, created) = try cache.entry(for: reader)
        XCTAssertTrue(created, "a shard rewritten in place is read again")
        try assertSameFrames(entry, reader, "rewritten")
    }

    func testTheLeastRecentlyUsedEntryIsEvictedAndAnOpenOneStaysReadable() throws {
        let scratch = try ScratchDirectory("column-cache")
        defer { scratch.remove() }
        for (index, name) in ["a.h5", "b.h5"].enumerated() {
            try writeShard(scratch.path(name), utterances: 50, dimension: 130, seed: UInt64(index))
        }
        let first = try ShardReader(url: scratch.path("a.h5"))
        let entrySize = 32 + first.frameCount * first.dimension * 4
        // Room for one entry and a half: building the second evicts the first.
        let cache = try ColumnCache(directory: scratch.path("cache"), limitBytes: entrySize * 3 / 2)
        let (old, _) = try cache.entry(for: first)
        let second = try ShardReader(url: scratch.path("b.h5"))
        _ = try cache.entry(for: second)
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.path("cache").path)
            .filter { $0.hasSuffix(".cols") }
        XCTAssertEqual(left.count, 1, "\(left)")
        try assertSameFrames(old, first, "evicted while open")
        XCTAssertTrue(try cache.entry(for: first).created, "an evicted entry is built again")
    }

    func testAPartialEntryFromAKilledBuilderIsNeverServed() throws {
        let scratch = try ScratchDirectory("column-cache")
        defer { scratch.remove() }
        let shard = scratch.path("s.h5")
        try writeShard(shard, utterances: 20, dimension: 66, seed: 3)
        let directory = scratch.path("cache")
        let cache = try ColumnCache(directory: directory, limitBytes: 1 << 30)
        let reader = try ShardReader(url: shard)
        let (entry, _) = try cache.entry(for: reader)
        let name = try XCTUnwrap(
            FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasSuffix(".cols") })
        // A builder killed midway: its temporary file, and (worse) an entry cut short under the final name.
        let full = try Data(contentsOf: directory.appendingPathComponent(name))
        try full.prefix(full.count / 2).write(to: directory.appendingPathComponent(name))
        try full.prefix(100).write(to: directory.appendingPathComponent(name + ".partial-99999"))
        _ = entry
        let (rebuilt, created) = try cache.entry(for: ShardReader(url: shard))
        XCTAssertTrue(created, "a cut-short entry is rebuilt, not read")
        try assertSameFrames(rebuilt, reader, "rebuilt")
        let partials = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter {
            $0.contains(".partial-")
        }
        XCTAssertEqual(partials, [])
    }

    func testACacheDirectoryThatCannotBeWrittenIsAClearError() throws {
        let scratch = try ScratchDirectory("column-cache")
        defer { scratch.remove() }
        let shard = scratch.path("s.h5")
        try writeShard(shard, utterances: 5, dimension: 8, seed: 4)
        let file = scratch.path("a-file")
        try Data("x".utf8).write(to: file)
        XCTAssertThrowsError(try ColumnCache(directory: file.appendingPathComponent("cache"), limitBytes: 1 << 20)) {
            XCTAssertTrue("\($0)".contains(file.path), "\($0)")
        }
    }
}

/// A count several threads add to.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
