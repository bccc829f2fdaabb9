import ArgumentParser
import Foundation
import Shards

/// `salience dataset inspect DIR`: the catalog of a dataset as a table or JSON.
struct DatasetInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Describe a dataset: shards, conditions, utterances per split, frames, D, targets, task.",
        discussion: """
            Reads only shard headers and metadata (no frames). A dataset that breaks the format is refused \
            with one line per problem and exit code 1 (see `salience dataset validate`).

            Examples:
              salience dataset inspect ./synthetic
              salience dataset inspect ./synthetic --json > catalog.json
            """)

    @Argument(help: "The dataset directory.")
    var directory: String

    @Flag(help: "Print the catalog as JSON (snake_case, with totals per condition and split).")
    var json = false

    func run() throws {
        let catalog: DatasetCatalog
        do {
            catalog = try DatasetCatalog(directory: URL(fileURLWithPath: directory))
        } catch let error as DatasetError {
            for problem in error.problems { print(problem) }
            printError("salience: \(directory) is not a valid dataset (\(error.problems.count) problem(s))")
            throw ExitCode(1)
        }
        if json {
            print(try DatasetCatalogJSON(catalog).encoded())
        } else {
            print(DatasetTable.render(catalog))
        }
    }
}

/// The human-readable rendering of a catalog.
enum DatasetTable {
    static func render(_ catalog: DatasetCatalog) -> String {
        var lines: [String] = []
        let ratings =
            catalog.hasRatings
            ? "ratings R=\(catalog.shards.compactMap(\.raters).max() ?? 0)"
            : (catalog.hasLabelStd ? "label_std" : "no rater information")
        lines.append("dataset \(catalog.directory)")
        lines.append(
            "D=\(catalog.dimension)\(catalog.layerSummary)  task=\(catalog.task.rawValue)  targets=\(catalog.targets.joined(separator: ","))  \(ratings)"
        )
        for encoder in catalog.encoders { lines.append("encoder: \(encoder)") }
        let header = ["shard", "condition", "utterances", "train", "dev", "test", "frames", "dtype", "chunk"]
        var rows: [[String]] = [header]
        for shard in catalog.shards {
            rows.append([
                shard.file, shard.condition, "\(shard.utterances)", "\(shard.utterancesPerSplit["train"] ?? 0)",
                "\(shard.utterancesPerSplit["dev"] ?? 0)", "\(shard.utterancesPerSplit["test"] ?? 0)",
                "\(shard.frames)", shard.embeddingType,
                shard.chunk.map { $0.map(String.init).joined(separator: "x") } ?? "contiguous",
            ])
        }
        for condition in catalog.conditions {
            rows.append([
                "total", condition, "\(catalog.utteranceCount(condition: condition))",
                "\(catalog.utteranceCount(condition: condition, split: .train))",
                "\(catalog.utteranceCount(condition: condition, split: .dev))",
                "\(catalog.utteranceCount(condition: condition, split: .test))",
                "\(catalog.frameCount(condition: condition))", "", "",
            ])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(
                row.enumerated().map { column, text in
                    column == 0 || column == 1 || column >= 7
                        ? text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                        : String(repeating: " ", count: widths[column] - text.count) + text
                }.joined(separator: "  ").trimmingCharacters(in: .whitespaces))
        }
        for (name, value) in catalog.extraAttributes.sorted(by: { $0.key < $1.key }) {
            var parts: [String] = value.strings ?? []
            if let ints = value.ints { parts = ints.map { String($0) } }
            if let floats = value.floats { parts = floats.map { String($0) } }
            let text = parts.joined(separator: " ")
            lines.append("\(name): \(text)")
        }
        return lines.joined(separator: "\n")
    }
}

/// Writes a line to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
