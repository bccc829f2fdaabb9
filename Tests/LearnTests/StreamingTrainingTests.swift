import Foundation
import Learn
import Shards
import TestSupport
import XCTest

/// Training on frames beyond the memory budget: they are read once into a local file and every epoch reads
/// its batches from there. The model, every metric and every evaluation must be the ones the in-memory path
/// gives, to the last bit (same batches, same arithmetic), with and without an input transform.
final class StreamingTrainingTests: XCTestCase {
    static func dataset(in scratch: ScratchDirectory, float16: Bool = false) throws -> URL {
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 240
        configuration.dimension = 12
        configuration.relevantDimensions = 4
        configuration.minFrames = 3
        configuration.maxFrames = 30
        configuration.seed = 5
        let url = scratch.path(float16 ? "data-float16" : "data")
        var layout = ShardLayout.default
        if float16 { layout.embeddingType = .float16 }
        try SyntheticDataset(configuration: configuration).write(to: url, layout: layout)
        return url
    }

    /// Below the dataset's frames (240 utterances of 3-30 frames, 7 or 12 columns, and the distorted copies),
    /// above one batch (64 x 30 x 12 x 4 = 92,160 bytes): the frames stream from a local file.
    static let streamingBudget = 100_000

    func job(_ directory: URL, budget: Int?, cache: URL?) -> TrainingJob {
        var config = TrainingConfig()
        config.seed = 4
        config.maxEpochs = 3
        config.threads = 2
        var job = TrainingJob(directory: directory, config: config)
        job.selection = [0, 2, 3, 5, 7, 8, 11]
        job.decoder = .gruFF
        job.adjustDecoder = {
            $0.gruHidden = 8
            $0.frontWidth = 8
            $0.headHidden = 8
        }
        job.memoryBudget = budget
        job.cacheDirectory = cache
        return job
    }

    func testFramesBeyondTheBudgetTrainTheSameModelAsFramesInMemory() throws {
        let scratch = try ScratchDirectory("streaming")
        defer { scratch.remove() }
        let data = try Self.dataset(in: scratch)
        let transforms: [TrainingJob.InputTransform?] = [
            nil,
            // A fixed linear map to 3 inputs (as PCA's projection is), so the stored path maps its file.
            TrainingJob.InputTransform(width: 3, weightCount: 21) { frames, rows in
                var out = [Float](repeating: 0, count: rows * 3)
                for r in 0..<rows {
                    for j in 0..<3 {
                        var sum: Float = 0
                        for c in 0..<7 { sum += frames[r * 7 + c] * (Float((c + j) % 4) - 1) }
                        out[r * 3 + j] = sum
                    }
                }
                return out
            },
        ]
        for transform in transforms {
            var inMemory = job(data, budget: nil, cache: nil)
            inMemory.transform = transform
            var stored = job(data, budget: Self.streamingBudget, cache: scratch.url)
            stored.transform = transform
            var lines: [String] = []
            let a = try inMemory.run()
            let b = try stored.run(announce: { lines.append($0) })
            let what = transform == nil ? "selected columns" : "transformed columns"
            XCTAssertTrue(lines.contains { $0.contains("read from a local file") }, "\(what): \(lines)")
            XCTAssertEqual(a.metrics, b.metrics, what)
            XCTAssertEqual(a.outcome.history.map(\.trainLoss), b.outcome.history.map(\.trainLoss), what)
            XCTAssertEqual(a.model.decoder.parameters.map(\.value), b.model.decoder.parameters.map(\.value), what)
        }
        // Nothing is left in the cache directory: the frame files are unlinked when made.
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch.url.path).filter {
            $0.hasPrefix("salience-frames")
        }
        XCTAssertEqual(left, [])
    }

    /// float16 shards are held in memory as float16 (half the bytes, no float32 copy) and widened a batch at a
    /// time. Widening is exact, so training on them gives, to the last bit, what training on the same frames
    /// widened on read into the local float32 file gives; and the batches equal HDF5's own conversion.
    func testFloat16FramesAreHeldAsFloat16AndTrainTheSameModelAsWidenedFrames() throws {
        let scratch = try ScratchDirectory("streaming-f16")
        defer { scratch.remove() }
        let data = try Self.dataset(in: scratch, float16: true)
        let held = try TrainingData(directory: data, selection: nil)
        let train = try XCTUnwrap(held.clean[.train])
        let halves = try XCTUnwrap(train.halfFrames, "float16 shards should be held as float16")
        XCTAssertEqual(train.frames, [], "no float32 copy beside the float16 frames")
        XCTAssertEqual(halves.count, train.offsets[train.count] * 12)
        // The batch of every train utterance against HDF5's conversion of the same rows (12 columns: the
        // eight-wide path and its tail).
        let catalog = try DatasetCatalog(directory: data)
        var expected: [[Float]] = []
        for shard in catalog.shards where shard.condition == ShardFormat.cleanCondition {
            let reader = try ShardReader(url: catalog.url(of: shard))
            for u in reader.utterances(in: .train) {
                expected.append(try reader.readFrames(utterances: u..<(u + 1)).values)
            }
        }
        XCTAssertEqual(expected.count, train.count)
        let batch = train.batch(Array(0..<train.count))
        for (slot, rows) in expected.enumerated() {
            for t in 0..<(rows.count / 12) {
                let got = Array(batch.frames[((t * train.count + slot) * 12)..<((t * train.count + slot + 1) * 12)])
                XCTAssertEqual(got, Array(rows[(t * 12)..<((t + 1) * 12)]), "utterance \(slot) frame \(t)")
            }
        }
        let transform = TrainingJob.InputTransform(width: 3, weightCount: 21) { frames, rows in
            var out = [Float](repeating: 0, count: rows * 3)
            for r in 0..<rows {
                for j in 0..<3 { for c in 0..<7 { out[r * 3 + j] += frames[r * 7 + c] * Float(c - j) } }
            }
            return out
        }
        for transform in [nil, transform] {
            var inMemory = job(data, budget: nil, cache: nil)
            inMemory.transform = transform
            var stored = job(data, budget: Self.streamingBudget, cache: scratch.url)
            stored.transform = transform
            let a = try inMemory.run()
            let b = try stored.run()
            let what = transform == nil ? "selected columns" : "transformed columns"
            XCTAssertEqual(a.metrics, b.metrics, what)
            XCTAssertEqual(a.model.decoder.parameters.map(\.value), b.model.decoder.parameters.map(\.value), what)
        }
    }

    /// Two jobs through one worker's column cache: the first reads the shards once (every frame of every
    /// shard), the second reads nothing from them, and both train the model a job without the cache trains.
    func testJobsSharingAColumnCacheReadTheDataRootOnceAndTrainTheSameModel() throws {
        let scratch = try ScratchDirectory("streaming")
        defer { scratch.remove() }
        let data = try Self.dataset(in: scratch)
        let plain = try job(data, budget: nil, cache: nil).run()
        let cache = try ColumnCache(directory: scratch.path("columns"), limitBytes: 1 << 30)
        var first = job(data, budget: nil, cache: nil)
        first.columnCache = cache
        var second = job(data, budget: Self.streamingBudget, cache: scratch.url)  // also through the frame file
        second.columnCache = cache
        let a = try first.run()
        let b = try second.run()
        let catalog = try DatasetCatalog(directory: data)
        let datasetBytes = catalog.shards.reduce(0) { $0 + $1.frames } * catalog.dimension * 4
        XCTAssertEqual(a.bytesFromDataRoot, datasetBytes, "the first job reads every shard once, whole")
        XCTAssertEqual(b.bytesFromDataRoot, 0, "the second reads nothing from the data root")
        XCTAssertGreaterThan(b.bytesFromCache, 0)
        XCTAssertEqual(plain.bytesFromCache, 0)
        XCTAssertEqual(a.metrics, plain.metrics)
        XCTAssertEqual(b.metrics, plain.metrics)
    }

    /// A budget that cannot hold one batch fails before any frame is read, with the numbers.
    func testABudgetBelowOneBatchIsRefusedWithTheNumbers() throws {
        let scratch = try ScratchDirectory("streaming")
        defer { scratch.remove() }
        let data = try Self.dataset(in: scratch)
        let catalog = try DatasetCatalog(directory: data)
        let longest = catalog.longestUtterance
        // An independent count of the longest utterance, from the offsets of every shard.
        var expected = 0
        for shard in catalog.shards {
            let offsets = try ShardReader(url: catalog.url(of: shard)).offsets
            expected = max(expected, zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0)
        }
        XCTAssertEqual(longest, expected)
        let needed = 64 * longest * 7 * 4
        XCTAssertThrowsError(try job(data, budget: needed - 1, cache: scratch.url).run()) { error in
            guard
                case LearnError.memoryBudgetTooSmall(let given, let reported, let batch, let frames, let columns) =
                    error
            else { return XCTFail("\(error)") }
            XCTAssertEqual([given, reported, batch, frames, columns], [needed - 1, needed, 64, longest, 7])
            XCTAssertTrue("\(error)".contains("cannot hold one batch"), "\(error)")
        }
        // One batch exactly is enough to train.
        XCTAssertNoThrow(try job(data, budget: needed, cache: scratch.url).run())
    }

    func testACacheDirectoryThatCannotHoldTheFramesIsAClearError() throws {
        let scratch = try ScratchDirectory("streaming")
        defer { scratch.remove() }
        let data = try Self.dataset(in: scratch)
        let missing = scratch.path("no-such-directory")
        XCTAssertThrowsError(try job(data, budget: Self.streamingBudget, cache: missing).run()) { error in
            guard case LearnError.frameFile(let path, let reason) = error else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(path, missing.path)
            XCTAssertTrue(reason.contains("No such file"), reason)
            XCTAssertTrue("\(error)".contains("--cache-dir"), "\(error)")
        }
    }
}
