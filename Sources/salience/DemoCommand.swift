import ArgumentParser
import Foundation
import Learn
import Scan
import Shards

/// `salience demo`: the README's main job on the embedded default.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run Salience end to end on a synthetic dataset it makes (or on --dataset DIR).",
        discussion: """
            Without --dataset, writes the default synthetic dataset (planted relevant dimensions known) under \
            --out; validates and describes the dataset; then runs the demo scan (every method, a small decoder, \
            a few ratios and seeds) on an embedded cluster of a coordinator and --workers local worker \
            processes, and prints where report.html is.

            Examples:
              salience demo
              salience demo --dataset /data/vader-minilm --out ./vader-demo
            """)

    @Option(help: "An existing dataset directory to use instead of the synthetic default.")
    var dataset: String?

    @Option(help: "Where the demo writes its files.")
    var out = "./salience-demo"

    @Option(help: "Local worker processes of the embedded cluster.")
    var workers = 2

    @Flag(help: "Make and validate the dataset only; run no scan.")
    var noScan = false

    func run() throws {
        let outURL = URL(fileURLWithPath: out)
        let datasetURL: URL
        if let dataset {
            datasetURL = URL(fileURLWithPath: dataset)
            print("demo: using the dataset in \(dataset)")
        } else {
            datasetURL = outURL.appendingPathComponent("synthetic")
            let synthetic = try SyntheticDataset()
            for url in DatasetCatalog.shardURLs(in: datasetURL) { try? FileManager.default.removeItem(at: url) }
            let c = synthetic.configuration
            print(
                "demo: writing a synthetic dataset to \(datasetURL.path) (N=\(c.utterances) D=\(c.dimension) K=\(c.relevantDimensions) T=\(c.targets) R=\(c.raters) seed=\(c.seed))"
            )
            try synthetic.write(to: datasetURL) { print("  \($0)") }
            print(
                "demo: planted relevant dims \(synthetic.relevantDimensions), non-linear \(synthetic.nonlinearDimensions)"
            )
        }
        print("demo: validating every shard and frame")
        let problems = ShardValidator.validate(directory: datasetURL)
        guard problems.isEmpty else {
            for problem in problems { print(problem) }
            printError("salience: the dataset is not valid (\(problems.count) problem(s)); nothing else was run")
            throw ExitCode(1)
        }
        print("demo: valid")
        let catalog = try DatasetCatalog(directory: datasetURL)
        print(DatasetTable.render(catalog))
        if noScan { return }
        var spec = ScanSpec.demo(datasetDirectory: datasetURL.lastPathComponent)
        spec.output.directory = outURL.appendingPathComponent("report").path
        print(
            "demo: scanning with \(spec.selection.methods.map(\.rawValue).joined(separator: ", ")) on \(workers) workers"
        )
        let outcome = try ScanRunner().runEmbedded(
            spec, dataRoot: datasetURL.deletingLastPathComponent(), workers: workers)
        guard outcome.status == .succeeded else { throw ExitCode(1) }
        print("demo: open \(outcome.reportDirectory.appendingPathComponent("report.html").path)")
    }
}
