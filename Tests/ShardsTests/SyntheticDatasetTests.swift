import Foundation
import Shards
import TestSupport
import XCTest

final class SyntheticDatasetTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("shards-synthetic") }
    override func tearDown() { scratch.remove() }

    private func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let mx = x.reduce(0, +) / Double(x.count)
        let my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0
        var sxx = 0.0
        var syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return sxy / (sxx * syy).squareRoot()
    }

    func testSameSeedGivesSameValuesAndOtherSeedsDiffer() throws {
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 30
        configuration.dimension = 16
        let a = try SyntheticDataset(configuration: configuration)
        let b = try SyntheticDataset(configuration: configuration)
        configuration.seed = 8
        let c = try SyntheticDataset(configuration: configuration)
        XCTAssertEqual(a.relevantDimensions, b.relevantDimensions)
        for index in [0, 17, 29] {
            XCTAssertEqual(a.item(index).frames, b.item(index).frames)
            XCTAssertEqual(a.item(index).labels, b.item(index).labels)
        }
        XCTAssertNotEqual(a.item(0).frames, c.item(0).frames)
    }

    func testWrittenDatasetHasGroundTruthRatingsSplitsAndADistortedCopy() throws {
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 300
        let synthetic = try SyntheticDataset(configuration: configuration)
        let urls = try synthetic.write(to: scratch.url)
        XCTAssertEqual(urls.map(\.lastPathComponent), synthetic.shardNames)
        XCTAssertEqual(ShardValidator.validate(directory: scratch.url).map(\.description), [])
        let catalog = try DatasetCatalog(directory: scratch.url)
        XCTAssertEqual(catalog.utteranceCount(), 300)
        XCTAssertEqual(catalog.conditions, ["clean", "noise-snr5"])
        XCTAssertEqual(catalog.extraAttributes["synthetic_relevant_dims"]?.ints, synthetic.relevantDimensions)
        XCTAssertEqual(catalog.extraAttributes["synthetic_nonlinear_dims"]?.ints, synthetic.nonlinearDimensions)
        XCTAssertEqual(synthetic.relevantDimensions.count, 8)
        XCTAssertEqual(
            Set(synthetic.nonlinearDimensions + synthetic.linearDimensions), Set(synthetic.relevantDimensions))

        var cleanTest: [String: [Float]] = [:]
        var missingRatings = 0
        var frameCounts = Set<Int>()
        for url in urls.dropLast() {
            let reader = try ShardReader(url: url)
            for index in 0..<reader.utteranceCount {
                frameCounts.insert(reader.frameRange(ofUtterance: index).count)
                // Labels are the mean of the present ratings, computed here independently.
                for t in 0..<2 {
                    let present = (0..<5).map { reader.ratings![index * 10 + $0 * 2 + t] }.filter { !$0.isNaN }
                    missingRatings += 5 - present.count
                    XCTAssertFalse(present.isEmpty)
                    let mean = present.map(Double.init).reduce(0, +) / Double(present.count)
                    XCTAssertEqual(Double(reader.labels[index * 2 + t]), mean, accuracy: 1e-5)
                }
                if reader.splits[index] == .test {
                    cleanTest[reader.ids[index]] = try reader.readFrames(utterances: index..<(index + 1)).values
                }
            }
        }
        XCTAssertGreaterThan(missingRatings, 0)
        XCTAssertTrue(frameCounts.isSubset(of: Set(4...20)) && frameCounts.count > 5, "\(frameCounts)")
        let distorted = try ShardReader(url: urls.last!)
        XCTAssertEqual(distorted.header.condition, "noise-snr5")
        XCTAssertEqual(Set(distorted.ids), Set(cleanTest.keys))
        var signal = 0.0
        var noise = 0.0
        for index in 0..<distorted.utteranceCount {
            let noisy = try distorted.readFrames(utterances: index..<(index + 1)).values
            let clean = try XCTUnwrap(cleanTest[distorted.ids[index]])
            XCTAssertEqual(noisy.count, clean.count)
            for (a, b) in zip(noisy, clean) { noise += Double(a - b) * Double(a - b) }
            signal += clean.map { Double($0) * Double($0) }.reduce(0, +)
        }
        XCTAssertGreaterThan(noise, 0)
        XCTAssertLessThan(noise, signal)
    }

    /// The catalog that keeps its shards open hands back, for every shard, a reader holding exactly what a
    /// fresh open reads (metadata and frames); a dataset with a bad shard is refused the same way.
    func testOpeningCatalogKeepsReadersEqualToFreshOnes() throws {
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 120
        configuration.dimension = 12
        let urls = try SyntheticDataset(configuration: configuration).write(to: scratch.url)
        let (catalog, readers) = try DatasetCatalog.opening(directory: scratch.url, keepingAtMost: 100)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(try encoder.encode(catalog), try encoder.encode(DatasetCatalog(directory: scratch.url)))
        XCTAssertEqual(Set(readers.keys), Set(urls.map(\.lastPathComponent)))
        for url in urls {
            let kept = try XCTUnwrap(readers[url.lastPathComponent])
            let fresh = try ShardReader(url: url)
            XCTAssertEqual(kept.url, fresh.url)
            XCTAssertEqual(kept.offsets, fresh.offsets)
            XCTAssertEqual(kept.ids, fresh.ids)
            XCTAssertEqual(kept.splits, fresh.splits)
            XCTAssertEqual(kept.labels, fresh.labels)
            XCTAssertEqual(kept.ratings?.map(\.bitPattern), fresh.ratings?.map(\.bitPattern))
            let all = 0..<fresh.utteranceCount
            XCTAssertEqual(try kept.readFrames(utterances: all).values, try fresh.readFrames(utterances: all).values)
        }
        // The limit keeps the first shards by name open, and no more; a condition keeps only its shards.
        let limited = try DatasetCatalog.opening(directory: scratch.url, keepingAtMost: 1).readers
        XCTAssertEqual(Array(limited.keys), [urls.map(\.lastPathComponent).sorted()[0]])
        let clean = try DatasetCatalog.opening(directory: scratch.url, condition: "clean", keepingAtMost: 100).readers
        XCTAssertEqual(Set(clean.keys), Set(catalog.shards(condition: "clean").map(\.file)))
        XCTAssertFalse(clean.isEmpty)
        XCTAssertLessThan(clean.count, urls.count, "the distorted shard is not kept")
        // A shard that is not HDF5 refuses the whole directory, naming it.
        try Data("not a shard".utf8).write(to: scratch.url.appendingPathComponent("zz-broken.h5"))
        XCTAssertThrowsError(try DatasetCatalog.opening(directory: scratch.url, keepingAtMost: 100)) { error in
            XCTAssertTrue("\(error)".contains("zz-broken.h5"), "\(error)")
        }
    }

    func testNonlinearDimensionIsInvisibleToCorrelationButCarriesTheTarget() throws {
        let synthetic = try SyntheticDataset()
        let n = 1200
        let d = synthetic.configuration.dimension
        var pooled = [[Double]](repeating: [Double](repeating: 0, count: d), count: n)
        var targets = [[Double]](repeating: [], count: n)
        for index in 0..<n {
            let item = synthetic.item(index)
            let frames = item.frames.count / d
            for f in 0..<frames {
                for c in 0..<d { pooled[index][c] += Double(item.frames[f * d + c]) / Double(frames) }
            }
            targets[index] = item.labels.map(Double.init)
        }
        for dim in synthetic.nonlinearDimensions {
            let x = pooled.map { $0[dim] }
            let mean = x.reduce(0, +) / Double(n)
            let square = x.map { ($0 - mean) * ($0 - mean) }
            let best = (0..<2).map { t in abs(pearson(square, targets.map { $0[t] })) }.max()!
            let linear = (0..<2).map { t in abs(pearson(x, targets.map { $0[t] })) }.max()!
            XCTAssertLessThan(linear, 0.1, "dim \(dim): |r| with the target")
            XCTAssertGreaterThan(best, 0.3, "dim \(dim): |r| of its square with the target")
        }
        for dim in synthetic.linearDimensions {
            let x = pooled.map { $0[dim] }
            let best = (0..<2).map { t in abs(pearson(x, targets.map { $0[t] })) }.max()!
            XCTAssertGreaterThan(best, 0.2, "linear dim \(dim)")
        }
        let noiseDims = (0..<d).filter { !synthetic.relevantDimensions.contains($0) }
        for dim in noiseDims {
            let x = pooled.map { $0[dim] }
            let best = (0..<2).map { t in abs(pearson(x, targets.map { $0[t] })) }.max()!
            XCTAssertLessThan(best, 0.12, "noise dim \(dim)")
        }
        // Noise dimensions correlate among themselves (factor model): some pair above 0.3.
        let strongest = noiseDims.prefix(12).flatMap { a in
            noiseDims.prefix(12).filter { $0 > a }.map { b in abs(pearson(pooled.map { $0[a] }, pooled.map { $0[b] })) }
        }.max()!
        XCTAssertGreaterThan(strongest, 0.3)
    }

    func testImpossibleConfigurationsAreRefused() {
        var configuration = SyntheticDataset.Configuration()
        configuration.relevantDimensions = 3
        configuration.targets = 2
        XCTAssertThrowsError(try SyntheticDataset(configuration: configuration))
        configuration = SyntheticDataset.Configuration()
        configuration.dimension = 8
        XCTAssertThrowsError(try SyntheticDataset(configuration: configuration))
    }
}
