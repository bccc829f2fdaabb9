import Foundation
import HDF5
import TestSupport
import XCTest

/// A shard written field by field with the HDF5 module (not ShardWriter, which refuses bad input), so each
/// test can break exactly one rule.
private struct RawShard {
    var attributes: [String: AttributeValue] = [
        "salience_format": .string("embedding-shard"), "format_version": .int(1), "encoder": .string("test"),
        "task": .string("regression"), "targets": .strings(["valence"]),
    ]
    var dimension = 3
    var embeddings: [Float] = (0..<24).map { Float($0) / 10 }
    var offsets: [Int64] = [0, 2, 4, 6, 8]
    var ids = ["a", "b", "c", "d"]
    var split: [Int64] = [0, 0, 1, 2]
    var labels: [Float] = [0.5, -1, 2, 0]
    var labelColumns = 1
    var omit: Set<String> = []

    func write(to url: URL) throws {
        let file = try File.create(url.path)
        for (name, value) in attributes where !omit.contains(name) { try file.writeAttribute(name, value) }
        if !omit.contains("embeddings") {
            try file.writeDataset(
                "embeddings", embeddings, shape: [embeddings.count / dimension, dimension],
                layout: .compressed(chunk: [4, dimension]))
        }
        if !omit.contains("offsets") { try file.writeDataset("offsets", offsets) }
        if !omit.contains("ids") { try file.writeStrings("ids", ids) }
        if !omit.contains("split") { try file.writeDataset("split", split, storedAs: .uint8) }
        if !omit.contains("labels") {
            try file.writeDataset("labels", labels, shape: [labels.count / labelColumns, labelColumns])
        }
    }
}

final class DatasetValidateTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("cli-validate") }
    override func tearDown() { scratch.remove() }

    /// Runs `salience dataset validate DIR` and checks: exit 1 (not a signal), nothing printed that looks
    /// like a crash, and every expected fragment on one output line that also names `file`.
    private func assertRefused(
        _ directory: URL, file: String, _ fragments: [String], sourceFile: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", directory.path])
        XCTAssertFalse(result.signalled, "crashed: \(result.stderr)", file: sourceFile, line: line)
        XCTAssertEqual(result.status, 1, result.stdout + result.stderr, file: sourceFile, line: line)
        XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr, file: sourceFile, line: line)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertTrue(
            lines.contains { line in line.hasPrefix(file) && fragments.allSatisfy { line.contains($0) } },
            "expected a line naming \(file) with \(fragments); got:\n\(result.stdout)", file: sourceFile, line: line)
    }

    /// One directory holding one shard `s.h5` made from `shard`.
    private func dataset(_ name: String, _ shard: RawShard) throws -> URL {
        let directory = scratch.path(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try shard.write(to: directory.appendingPathComponent("s.h5"))
        return directory
    }

    func testAValidRawShardPasses() throws {
        let result = try runProcess(
            TestEnvironment.salienceBinary, ["dataset", "validate", try dataset("ok", RawShard()).path])
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("valid"), result.stdout)
    }

    func testMissingAttributesAndDatasetsAreRefused() throws {
        for name in ["salience_format", "format_version", "encoder", "task", "targets"] {
            var shard = RawShard()
            shard.omit = [name]
            try assertRefused(
                try dataset("no-\(name)", shard), file: "s.h5", [name, "required root attribute is missing"])
        }
        for name in ["embeddings", "offsets", "ids", "split", "labels"] {
            var shard = RawShard()
            shard.omit = [name]
            try assertRefused(try dataset("no-\(name)", shard), file: "s.h5", [name, "required dataset is missing"])
        }
    }

    func testWrongHeaderValuesAreRefused() throws {
        var shard = RawShard()
        shard.attributes["format_version"] = .int(3)
        try assertRefused(try dataset("version", shard), file: "s.h5", ["format_version", "unknown format version 3"])
        shard = RawShard()
        shard.attributes["salience_format"] = .string("something-else")
        try assertRefused(try dataset("format", shard), file: "s.h5", ["salience_format", "something-else"])
        shard = RawShard()
        shard.attributes["task"] = .string("classification")
        try assertRefused(try dataset("task", shard), file: "s.h5", ["task", "classification"])
    }

    func testShapesThatDisagreeAreRefused() throws {
        var shard = RawShard()
        shard.offsets = [0, 2, 4, 8]
        try assertRefused(try dataset("offsets-length", shard), file: "s.h5", ["offsets", "expected N + 1 = 5"])
        shard = RawShard()
        shard.labels = [1, 2, 3]
        try assertRefused(try dataset("labels-rows", shard), file: "s.h5", ["labels", "3 rows", "N = 4"])
        shard = RawShard()
        shard.labels = [1, 2, 3, 4, 5, 6, 7, 8]
        shard.labelColumns = 2
        try assertRefused(try dataset("labels-columns", shard), file: "s.h5", ["labels", "2 columns", "T = 1"])
        shard = RawShard()
        shard.split = [0, 0, 1]
        try assertRefused(try dataset("split-length", shard), file: "s.h5", ["split", "3 entries"])
    }

    func testBadOffsetsAreRefusedWithTheirIndex() throws {
        var shard = RawShard()
        shard.offsets = [1, 2, 4, 6, 8]
        try assertRefused(try dataset("offsets-start", shard), file: "s.h5", ["offsets[0]: 1 is not 0"])
        shard = RawShard()
        shard.offsets = [0, 2, 2, 6, 8]
        try assertRefused(
            try dataset("offsets-flat", shard), file: "s.h5", ["s.h5: offsets[2]: 2 is not greater than offsets[1] = 2"]
        )
        shard = RawShard()
        shard.offsets = [0, 2, 4, 6, 7]
        try assertRefused(
            try dataset("offsets-end", shard), file: "s.h5", ["offsets[4]: 7 is not the number of frames F = 8"])
    }

    func testNonFiniteValuesAndBadCodesAreRefused() throws {
        var shard = RawShard()
        shard.embeddings[7] = .nan
        try assertRefused(try dataset("nan-embedding", shard), file: "s.h5", ["embeddings[2, 1]", "nan"])
        shard = RawShard()
        shard.embeddings[23] = .infinity
        try assertRefused(try dataset("inf-embedding", shard), file: "s.h5", ["embeddings[7, 2]", "inf"])
        shard = RawShard()
        shard.labels[2] = .nan
        try assertRefused(try dataset("nan-label", shard), file: "s.h5", ["labels[2, 0]", "nan"])
        shard = RawShard()
        shard.split[3] = 3
        try assertRefused(try dataset("split-value", shard), file: "s.h5", ["split[3]: 3 is not a split"])
        shard = RawShard()
        shard.attributes["task"] = .string("binary")
        shard.labels = [0, 1, 0.5, 1]
        try assertRefused(try dataset("binary-label", shard), file: "s.h5", ["labels[2, 0]", "0.5 is not 0 or 1"])
    }

    func testDuplicateIdsWithinAShardAndAcrossShardsAreRefused() throws {
        var shard = RawShard()
        shard.ids = ["a", "b", "a", "d"]
        try assertRefused(try dataset("dup-in-shard", shard), file: "s.h5", ["ids[2]", "\"a\" duplicates ids[0]"])
        let directory = try dataset("dup-across", RawShard())
        var other = RawShard()
        other.ids = ["x", "y", "z", "c"]
        try other.write(to: directory.appendingPathComponent("t.h5"))
        try assertRefused(directory, file: "t.h5", ["ids[3]", "\"c\" is also ids[2] of s.h5"])
    }

    func testSiblingsThatDisagreeAreRefused() throws {
        let directory = try dataset("siblings", RawShard())
        try RawShard().write(to: directory.appendingPathComponent("r.h5"))
        var wide = RawShard()
        wide.dimension = 4
        wide.embeddings = (0..<32).map(Float.init)
        wide.ids = ["e", "f", "g", "h"]
        try wide.write(to: directory.appendingPathComponent("w.h5"))
        var binary = RawShard()
        binary.attributes["task"] = .string("binary")
        binary.labels = [0, 1, 1, 0]
        binary.ids = ["i", "j", "k", "l"]
        try binary.write(to: directory.appendingPathComponent("x.h5"))
        var targets = RawShard()
        targets.attributes["targets"] = .strings(["arousal"])
        targets.ids = ["m", "n", "o", "p"]
        try targets.write(to: directory.appendingPathComponent("y.h5"))
        try assertRefused(directory, file: "w.h5", ["embeddings", "D = 4 differs from the other shards' D = 3"])
        try assertRefused(directory, file: "x.h5", ["task", "binary"])
        try assertRefused(directory, file: "y.h5", ["targets", "arousal"])
    }

    func testDistortedIdsWithoutACleanUtteranceAreRefused() throws {
        let directory = try dataset("distorted", RawShard())
        var noisy = RawShard()
        noisy.attributes["condition"] = .string("noise-snr5")
        noisy.ids = ["a", "b", "c", "zz"]
        try noisy.write(to: directory.appendingPathComponent("n.h5"))
        try assertRefused(directory, file: "n.h5", ["ids[3]", "\"zz\" of condition noise-snr5 has no clean utterance"])
    }

    func testBrokenFilesAndDirectoriesAreRefused() throws {
        // Truncated: a valid shard cut in half.
        let truncated = try dataset("truncated", RawShard())
        let path = truncated.appendingPathComponent("s.h5")
        let bytes = try Data(contentsOf: path)
        try bytes.prefix(bytes.count / 2).write(to: path)
        try assertRefused(truncated, file: "s.h5", ["cannot open as HDF5", "truncated"])
        // Not HDF5 at all.
        let text = scratch.path("text")
        try FileManager.default.createDirectory(at: text, withIntermediateDirectories: true)
        try Data("id,label\na,1\n".utf8).write(to: text.appendingPathComponent("s.h5"))
        try assertRefused(text, file: "s.h5", ["not an HDF5 file"])
        // Empty directory.
        let empty = scratch.path("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try assertRefused(empty, file: "empty", ["no shards"])
        // A missing directory.
        try assertRefused(scratch.path("absent"), file: "absent", ["no such directory"])
    }

    func testUnreadableFileIsRefused() throws {
        let directory = try dataset("unreadable", RawShard())
        let path = directory.appendingPathComponent("s.h5")
        if getuid() == 0 {
            // Root reads files whatever their mode, so chmod 000 cannot make one unreadable; a shard name
            // that points nowhere (dangling link) is the unreadable file root can meet.
            try FileManager.default.removeItem(at: path)
            try FileManager.default.createSymbolicLink(
                atPath: path.path, withDestinationPath: scratch.path("nowhere.h5").path)
            try assertRefused(directory, file: "s.h5", ["no such file"])
        } else {
            try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: path.path)
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path.path) }
            try assertRefused(directory, file: "s.h5", ["permission denied"])
        }
    }

    func testInspectRefusesTooAndPrintsTheCatalogOfAValidDataset() throws {
        var shard = RawShard()
        shard.offsets = [0, 2, 2, 6, 8]
        let bad = try dataset("inspect-bad", shard)
        let refused = try runProcess(TestEnvironment.salienceBinary, ["dataset", "inspect", bad.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stdout.contains("s.h5: offsets[2]"), refused.stdout)

        let good = try dataset("inspect-good", RawShard())
        let table = try runProcess(TestEnvironment.salienceBinary, ["dataset", "inspect", good.path])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("D=3"), table.stdout)
        let json = try runProcess(TestEnvironment.salienceBinary, ["dataset", "inspect", good.path, "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(object["dimension"] as? Int, 3)
        XCTAssertEqual(object["targets"] as? [String], ["valence"])
        let shards = try XCTUnwrap(object["shards"] as? [[String: Any]])
        XCTAssertEqual(shards.first?["utterances"] as? Int, 4)
        XCTAssertEqual(shards.first?["frames"] as? Int, 8)
        XCTAssertEqual((shards.first?["utterances_per_split"] as? [String: Int])?["dev"], 1)
        XCTAssertEqual(shards.first?["embedding_type"] as? String, "float32")
        // snake_case like every other JSON of the command line, paths unescaped, totals as in the table.
        XCTAssertFalse(json.stdout.contains("\\/"), json.stdout)
        XCTAssertTrue(json.stdout.contains(good.path), json.stdout)
        XCTAssertNil(object["hasRatings"])
        XCTAssertEqual(object["has_ratings"] as? Bool, false)
        let totals = try XCTUnwrap(object["totals"] as? [[String: Any]])
        XCTAssertEqual(totals.count, 1)
        XCTAssertEqual(totals.first?["condition"] as? String, "clean")
        XCTAssertEqual(totals.first?["utterances"] as? Int, 4)
        XCTAssertEqual(totals.first?["frames"] as? Int, 8)
        // RawShard's split is [train, train, dev, test].
        XCTAssertEqual(totals.first?["utterances_per_split"] as? [String: Int], ["train": 2, "dev": 1, "test": 1])
    }

    func testValidateJSONSaysValidOrListsTheProblemsWithTheSameExitCode() throws {
        let good = try dataset("json-good", RawShard())
        let valid = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", good.path, "--json"])
        XCTAssertEqual(valid.status, 0, valid.stderr)
        let yes = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(valid.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(yes["valid"] as? Bool, true)
        XCTAssertEqual(yes["problems"] as? [String], [])
        XCTAssertEqual(yes["utterances"] as? Int, 4)
        XCTAssertEqual(yes["dimension"] as? Int, 3)

        var shard = RawShard()
        shard.offsets = [0, 2, 2, 6, 8]
        let bad = try dataset("json-bad", shard)
        let refused = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", bad.path, "--json"])
        XCTAssertEqual(refused.status, 1, refused.stderr)
        let no = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(refused.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(no["valid"] as? Bool, false)
        let problems = try XCTUnwrap(no["problems"] as? [String])
        XCTAssertTrue(problems.contains { $0.hasPrefix("s.h5: offsets[2]") }, "\(problems)")
        XCTAssertNil(no["utterances"])
    }

    /// A dataset of the wrong element type is described as h5py would name it, not as Swift prints the enum.
    func testATypeProblemNamesHDF5TypesInWords() throws {
        let directory = scratch.path("string-offsets")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var shard = RawShard()
        shard.omit = ["offsets"]
        let url = directory.appendingPathComponent("s.h5")
        try shard.write(to: url)
        do {  // closed (released) before the command opens it
            let file = try File.open(url.path, mode: .readWrite)
            try file.writeStrings("offsets", ["0", "2", "4", "6", "8"])
        }
        try assertRefused(
            directory, file: "s.h5", ["offsets: has type variable-length UTF-8 strings, expected integers (int64)"])
        let result = try runProcess(TestEnvironment.salienceBinary, ["dataset", "validate", directory.path])
        XCTAssertFalse(result.stdout.contains("StringType"), result.stdout)
    }
}
