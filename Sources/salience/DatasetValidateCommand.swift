import ArgumentParser
import Foundation
import Shards

/// `salience dataset validate DIR`: checks every rule of the shard format.
struct DatasetValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a dataset against every rule of the shard format; exit 0 when valid, 1 otherwise.",
        discussion: """
            Prints one line per problem, naming the file, dataset and index, e.g.
              vader-000.h5: offsets[17]: 1203 is not greater than offsets[16] = 1203
            Every frame is read and checked for NaN and infinity unless --headers-only is given.

            With --json one object: valid, problems (one string each) and, when valid, shards, \
            utterances (clean), dimension and conditions; the exit code is the same.

            Examples:
              salience dataset validate ./synthetic && echo valid
              salience dataset validate ./synthetic --json > validation.json
            """)

    @Argument(help: "The dataset directory.")
    var directory: String

    @Flag(help: "Skip reading the frames (faster; NaN/infinity in embeddings go unnoticed).")
    var headersOnly = false

    @Flag(help: "Print the outcome as one JSON object (exit code unchanged).")
    var json = false

    /// The `--json` object; the counts are absent when the dataset is refused.
    struct Report: Encodable {
        var valid: Bool
        var problems: [String]
        var shards: Int?
        var utterances: Int?
        var dimension: Int?
        var conditions: [String]?
    }

    func run() throws {
        let url = URL(fileURLWithPath: directory)
        // A file that crashes libhdf5 is named, not opened here (it would take this process down with it).
        let crashes = ShardCrashProbe.problems(directory: url)
        let problems = crashes.isEmpty ? ShardValidator.validate(directory: url, checkFrames: !headersOnly) : crashes
        guard problems.isEmpty else {
            if json {
                try printJSON(Report(valid: false, problems: problems.map(\.description)))
            } else {
                for problem in problems { print(problem) }
            }
            printError("salience: \(directory) is not a valid dataset (\(problems.count) problem(s))")
            throw ExitCode(1)
        }
        let catalog = try DatasetCatalog(directory: url)
        if json {
            try printJSON(
                Report(
                    valid: true, problems: [], shards: catalog.shards.count, utterances: catalog.utteranceCount(),
                    dimension: catalog.dimension, conditions: catalog.conditions))
            return
        }
        print(
            "valid: \(catalog.shards.count) shard(s), \(catalog.utteranceCount()) clean utterances, D=\(catalog.dimension)\(catalog.layerSummary), conditions \(catalog.conditions.joined(separator: ", "))"
        )
    }

    private func printJSON(_ report: Report) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }
}
