import Foundation
import HDF5
import Numerics
import Saliency
import Shards
import TestFixtures
import TestSupport
import XCTest

/// `salience scores` and `salience select` end to end: real shards, the built binary, numpy references.
final class ScoresCommandTests: XCTestCase {
    /// A small synthetic dataset with a planted subspace, shared by the tests of this class.
    static let synthetic: (directory: ScratchDirectory, dataset: SyntheticDataset)? = {
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 1500
        configuration.dimension = 48
        configuration.relevantDimensions = 6
        configuration.targets = 2
        configuration.minFrames = 2
        configuration.maxFrames = 6
        configuration.shards = 2
        guard let directory = try? ScratchDirectory("salience-scores"),
            let dataset = try? SyntheticDataset(configuration: configuration),
            (try? dataset.write(to: directory.url)) != nil
        else { return nil }
        return (directory, dataset)
    }()

    func runSalience(_ arguments: [String]) throws -> ProcessResult {
        try runProcess(TestEnvironment.salienceBinary, arguments)
    }

    func readCSV(_ url: URL) throws -> (header: [String], rows: [[Double]]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n")
        let header = lines[0].split(separator: ",").map(String.init)
        let rows = lines.dropFirst().map { $0.split(separator: ",").map { Double($0) ?? .nan } }
        return (header, rows)
    }

    func column(_ table: (header: [String], rows: [[Double]]), _ name: String) throws -> [Double] {
        let index = try XCTUnwrap(table.header.firstIndex(of: name), "no column \(name) in \(table.header)")
        return table.rows.map { $0[index] }
    }

    func testScoresFindThePlantedDimensionsOfASyntheticDataset() throws {
        let (directory, dataset) = try XCTUnwrap(Self.synthetic, "could not write the synthetic dataset")
        let out = try ScratchDirectory()
        defer { out.remove() }
        let result = try runSalience([
            "scores", directory.url.path, "--methods", "ccs,mis,mis-hist,pca", "--bins", "16", "--miller-madow",
            "--out", out.path("scores.csv").path,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        // The summary splits the time (benchmarks compare the scoring part with in-memory peers): the parts
        // are there and add up to no more than the whole; the pass's bytes are at least the train split's
        // frames (48 float32 columns) and its rate is those bytes over its time.
        let pattern = try Regex(
            #"in ([0-9.]+) s \(checking ([0-9.]+) s, streaming pass ([0-9.]+) s reading ([0-9.]+) GB at ([0-9.]+) GB/s, scoring ([0-9.]+) s\)"#
        )
        let summary = try XCTUnwrap(result.stderr.firstMatch(of: pattern), result.stderr)
        let numbers = (1...6).compactMap { summary.output[$0].substring.flatMap { Double($0) } }
        XCTAssertEqual(numbers.count, 6, result.stderr)
        let (whole, checking, pass, gigabytes, rate, scoring) = (
            numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5]
        )
        XCTAssertLessThanOrEqual(checking + pass + scoring, whole + 0.015, result.stderr)
        // Printed to 3 decimals (half a megabyte either way): at least the train frames, at most every clean
        // frame (the units of the train split hold some dev and test frames too).
        let items = (0..<dataset.configuration.utterances).map { dataset.item($0) }
        let trainBytes = Double(items.filter { $0.split == .train }.reduce(0) { $0 + $1.frames.count } * 4) / 1e9
        let cleanBytes = Double(items.reduce(0) { $0 + $1.frames.count } * 4) / 1e9
        XCTAssertGreaterThanOrEqual(gigabytes, trainBytes - 0.0005, result.stderr)
        XCTAssertLessThanOrEqual(gigabytes, cleanBytes + 0.0005, result.stderr)
        if pass >= 0.01 { XCTAssertEqual(rate, gigabytes / pass, accuracy: 0.2 * rate + 0.05, result.stderr) }
        let table = try readCSV(out.path("scores.csv"))
        XCTAssertEqual(
            table.header,
            [
                "dim", "ccs", "ccs.target0", "ccs.target1", "mis", "mis.target0", "mis.target1", "mis-hist",
                "mis-hist.target0", "mis-hist.target1",
            ])
        XCTAssertEqual(table.rows.count, 48)
        XCTAssertFalse(table.rows.joined().contains { $0.isNaN })
        let linear = Set(dataset.linearDimensions)
        let nonlinear = Set(dataset.nonlinearDimensions)
        let ccs = try column(table, "ccs")
        XCTAssertEqual(Set(Selection.ranking(ccs).prefix(linear.count)), linear, "CCS ranks the linear dims first")
        for dimension in nonlinear { XCTAssertLessThan(ccs[dimension], 0.1, "CCS misses non-linear dim \(dimension)") }
        for method in ["mis", "mis-hist"] {
            let top = Set(Selection.ranking(try column(table, method)).prefix(linear.count + nonlinear.count))
            XCTAssertTrue(nonlinear.isSubset(of: top), "\(method) finds the non-linear dims \(nonlinear): \(top)")
        }
        // PCA beside the CSV: ratios sum to 1, and the projection loads back for training.
        let pca = try readCSV(out.path("pca.csv"))
        XCTAssertEqual(pca.header, ["component", "eigenvalue", "explained_ratio", "cumulative"])
        XCTAssertEqual(try column(pca, "cumulative").last ?? 0, 1, accuracy: 1e-9)
        let projection = try PCAProjection(contentsOf: out.path("pca.h5").path, components: 5)
        XCTAssertEqual(projection.inputDimensions, 48)
        XCTAssertEqual(projection.weightCount, 5 * 48)

        // select: the top 25 % by CCS, recomputed here from the CSV column.
        let selected = try runSalience(["select", out.path("scores.csv").path, "--by", "ccs", "--ratio", "0.25"])
        XCTAssertEqual(selected.status, 0, selected.stderr)
        let indices = selected.stdout.split(separator: "\n").compactMap { Int($0) }
        let expected = ccs.indices.sorted { ccs[$0] > ccs[$1] || (ccs[$0] == ccs[$1] && $0 < $1) }.prefix(12).sorted()
        XCTAssertEqual(indices, expected)
        let mean = ccs.reduce(0, +) / Double(ccs.count)
        let thresholded = try runSalience([
            "select", out.path("scores.csv").path, "--by", "ccs", "--threshold", "mean", "--out",
            out.path("dims.txt").path,
        ])
        XCTAssertEqual(thresholded.status, 0, thresholded.stderr)
        let written = try String(contentsOf: out.path("dims.txt"), encoding: .utf8).split(separator: "\n").compactMap {
            Int($0)
        }
        XCTAssertEqual(written, ccs.indices.filter { ccs[$0] >= mean })
        let bad = try runSalience(["select", out.path("scores.csv").path, "--by", "nope", "--ratio", "0.5"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("no column 'nope'"), bad.stderr)
    }

    func testFramePoolingAndOneThreadGiveTheirOwnConsistentScores() throws {
        let (directory, _) = try XCTUnwrap(Self.synthetic, "could not write the synthetic dataset")
        let out = try ScratchDirectory()
        defer { out.remove() }
        for (threads, name, keptOpen) in [("1", "a.csv", "64"), ("2", "b.csv", "64"), ("2", "c.csv", "0")] {
            let result = try runSalience([
                "scores", directory.url.path, "--methods", "ccs,mis", "--pooling", "frame", "--threads", threads,
                "--shards-kept-open", keptOpen, "--out", out.path(name).path,
            ])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        // Blocks merge in block order and KSG noise is keyed by dimension: thread count changes nothing, nor
        // does whether the pass reads through the catalog's open shards or opens each one itself.
        let first = try String(contentsOf: out.path("a.csv"), encoding: .utf8)
        XCTAssertEqual(first, try String(contentsOf: out.path("b.csv"), encoding: .utf8))
        XCTAssertEqual(first, try String(contentsOf: out.path("c.csv"), encoding: .utf8))
    }

    func testScoresMatchNumpyOnTheRealDataset() throws {
        guard let dataset = TestEnvironment.vaderMiniLM else {
            throw XCTSkip("../shared/datasets/vader-minilm is absent (set SALIENCE_SHARED)")
        }
        let out = try ScratchDirectory()
        defer { out.remove() }
        let result = try runSalience([
            "scores", dataset.path, "--methods", "ccs,mis-hist,pca", "--out", out.path("scores.csv").path,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let reference = try runReferenceScript(target: "SaliencyTests", "dataset_scores.py", [dataset.path, "32"])
        let table = try readCSV(out.path("scores.csv"))
        let r = try XCTUnwrap(reference["r"] as? [[Double]])
        assertClose(try column(table, "ccs.valence"), r[0].map(abs), relative: 1e-6, "CCS vs numpy Pearson")
        let hist = try XCTUnwrap(reference["hist"] as? [[Double]])
        assertClose(try column(table, "mis-hist.valence"), hist[0], relative: 1e-9, "mis-hist vs numpy histogram2d")
        let pca = try readCSV(out.path("pca.csv"))
        let ratio = try XCTUnwrap(reference["explained_variance_ratio"] as? [Double])
        let variance = try XCTUnwrap(reference["explained_variance"] as? [Double])
        assertClose(try column(pca, "explained_ratio"), ratio, relative: 1e-5, "PCA explained variance ratio")
        assertClose(try column(pca, "eigenvalue"), variance, relative: 1e-5, "PCA explained variance")
    }

    /// The pass reads each shard in units of whole chunk rows on every thread, so units cut utterances: at
    /// their edges, and (an utterance longer than a unit) on both sides. Every pooled row must still be the
    /// mean of the whole utterance, and a unit holding no train frame (a long dev utterance) is skipped
    /// without losing the train utterances around it: scores equal numpy's on the same files, at utterance
    /// and frame level, on one thread and on two.
    func testUtterancesCutByTheUnitsOfThePassPoolWhole() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        var random = SeededGenerator(seed: 41)
        let dimension = 12
        let layout = ShardLayout(chunkRows: 8, columnBlock: 5, gzipLevel: 1, shuffle: true)
        for shard in 0..<2 {
            let writer = try ShardWriter(
                url: directory.path("cut-\(shard).h5"), dimension: dimension,
                metadata: ShardMetadata(encoder: "test", task: .regression, targets: ["a", "b"]), layout: layout)
            for index in 0..<700 {
                // Mostly short utterances; a train one longer than two units and a dev one longer than one.
                let (frames, split): (Int, Split) =
                    index == 150
                    ? (2_300, .train)
                    : index == 400
                        ? (1_500, .dev)
                        : (1 + Int(random.next() % 9), [.train, .train, .train, .dev, .test][index % 5])
                var values = [Float](repeating: 0, count: frames * dimension)
                for position in values.indices { values[position] = Float(random.gaussian()) }
                let mean0 = (0..<frames).reduce(0) { $0 + Double(values[$1 * dimension]) } / Double(frames)
                let mean1 = (0..<frames).reduce(0) { $0 + Double(values[$1 * dimension + 1]) } / Double(frames)
                let labels = [Float(mean0 + 0.3 * random.gaussian()), Float(mean1 * mean1 + 0.3 * random.gaussian())]
                try writer.append(id: "s\(shard)-u\(index)", split: split, frames: values, labels: labels)
            }
            try writer.finish()
        }
        for pooling in ["utterance", "frame"] {
            var outputs: [String] = []
            for threads in ["1", "2"] {
                let name = "\(pooling)-\(threads).csv"
                let result = try runSalience([
                    "scores", directory.url.path, "--methods", "ccs,mis-hist", "--pooling", pooling, "--threads",
                    threads, "--out", directory.path(name).path,
                ])
                XCTAssertEqual(result.status, 0, result.stderr)
                outputs.append(try String(contentsOf: directory.path(name), encoding: .utf8))
            }
            XCTAssertEqual(outputs[0], outputs[1], "\(pooling): one thread and two give the same scores")
            let reference = try runReferenceScript(
                target: "SaliencyTests", "dataset_scores.py", [directory.url.path, "32", pooling])
            let table = try readCSV(directory.path("\(pooling)-2.csv"))
            let r = try XCTUnwrap(reference["r"] as? [[Double]])
            let hist = try XCTUnwrap(reference["hist"] as? [[Double]])
            for (index, target) in ["a", "b"].enumerated() {
                assertClose(try column(table, "ccs.\(target)"), r[index].map(abs), relative: 1e-9, "\(pooling) CCS")
                assertClose(
                    try column(table, "mis-hist.\(target)"), hist[index], relative: 1e-9, "\(pooling) mis-hist")
            }
        }
    }

    /// A NaN met in the middle of the pass stops the command before anything is written, and the one
    /// reported is the first in shard and frame order, whichever thread met which first.
    func testTheFirstNonFiniteFrameOfThePassIsReportedOnAnyThreadCount() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let frames = 3_000
        try NonFiniteShards.write(
            in: directory.url, frames: frames, chunkRows: 64, nan: (1_700, 3), infinity: (2_500, 1))
        for threads in ["1", "2"] {
            let out = directory.path("s-\(threads).csv")
            let result = try runSalience([
                "scores", directory.url.path, "--methods", "ccs,mis-hist", "--threads", threads, "--out", out.path,
            ])
            XCTAssertNotEqual(result.status, 0, "\(threads) threads")
            XCTAssertTrue(
                result.stderr.contains("b.h5: embeddings[1700, 3]: nan (NaN and infinity are allowed only in ratings)"),
                "\(threads) threads: \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "\(threads) threads")
        }
    }

    func testAFailingShardStopsTheCommandBeforeAnythingIsWritten() throws {
        let (directory, _) = try XCTUnwrap(Self.synthetic, "could not write the synthetic dataset")
        let broken = try ScratchDirectory()
        defer { broken.remove() }
        for url in DatasetCatalog.shardURLs(in: directory.url) {
            try FileManager.default.copyItem(at: url, to: broken.path(url.lastPathComponent))
        }
        try Data("not an HDF5 file".utf8).write(to: broken.path("zz-broken.h5"))
        let result = try runSalience([
            "scores", broken.url.path, "--methods", "ccs", "--out", broken.path("s.csv").path,
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("zz-broken.h5"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: broken.path("s.csv").path))
    }

    func testASplitWithFewerThanTwoUtterancesIsAClearError() throws {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let writer = try ShardWriter(
            url: directory.path("tiny.h5"), dimension: 3,
            metadata: ShardMetadata(encoder: "test", task: .regression, targets: ["valence"]))
        try writer.append(id: "a", split: .train, frames: [1, 2, 3, 4, 5, 6], labels: [0.5])
        try writer.append(id: "b", split: .dev, frames: [1, 2, 3], labels: [0.1])
        try writer.append(id: "c", split: .test, frames: [3, 2, 1], labels: [0.2])
        try writer.finish()
        let result = try runSalience([
            "scores", directory.url.path, "--methods", "ccs", "--out", directory.path("s.csv").path,
        ])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("at least 2 observations, got 1"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.path("s.csv").path))
    }
}
