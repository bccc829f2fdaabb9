import ArgumentParser

/// `salience dataset`: make, describe and check shard datasets.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Make, inspect and validate embedding shard datasets.",
        discussion: """
            A dataset is a directory of HDF5 shards in the format of docs/shard-format.md.

            Examples:
              salience dataset synth ./synthetic
              salience dataset inspect ./synthetic
              salience dataset validate ./synthetic
            """,
        subcommands: [
            DatasetSynthCommand.self, DatasetInspectCommand.self, DatasetValidateCommand.self,
            DatasetReadBenchCommand.self, DatasetProbeCommand.self,
        ])
}
