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

            Example:
              salience dataset validate ./synthetic && echo valid
            """)

    @Argument(help: "The dataset directory.")
    var directory: String

    @Flag(help: "Skip reading the frames (faster; NaN/infinity in embeddings go unnoticed).")
    var headersOnly = false

    func run() throws {
        let url = URL(fileURLWithPath: directory)
        let problems = ShardValidator.validate(directory: url, checkFrames: !headersOnly)
        guard problems.isEmpty else {
            for problem in problems { print(problem) }
            printError("salience: \(directory) is not a valid dataset (\(problems.count) problem(s))")
            throw ExitCode(1)
        }
        let catalog = try DatasetCatalog(directory: url)
        print(
            "valid: \(catalog.shards.count) shard(s), \(catalog.utteranceCount()) clean utterances, D=\(catalog.dimension), conditions \(catalog.conditions.joined(separator: ", "))"
        )
    }
}
