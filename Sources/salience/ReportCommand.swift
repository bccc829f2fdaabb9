import ArgumentParser
import Cluster
import Foundation
import Reports
import Scan

/// `salience report RESULTS [--out DIR]`: writes a scan's report from its `results.json`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a scan's report (report.html, report.md, results.json, results.csv) from its results.",
        discussion: """
            RESULTS is a results.json file or the run's output directory holding one; with --to it is a run id, \
            and the results are rebuilt from the coordinator's ledger (the report then goes to --out, or to the \
            run's output directory). A run still in progress renders too, with what is not yet available \
            marked as such. Example:
              salience report runs/demo
              salience report runs/demo/results.json --out /tmp/demo-report
              salience report run-1a2b3c4d --to tcp://head-node:5555 --out /tmp/live-report
            """)

    @Argument(help: "A results.json file, or the directory that holds it (a run id with --to).")
    var results: String

    @Option(name: .customLong("to"), help: "Rebuild the results of run RESULTS from this coordinator's ledger.")
    var endpoint: String?

    /// With --to: the keys, when the coordinator requires CURVE.
    @OptionGroup var curve: CurveClientOptions

    @Option(name: .shortAndLong, help: "The directory to write the report into (default: the results' directory).")
    var out: String?

    func validate() throws {
        if endpoint == nil, curve.isGiven { throw ValidationError("--key and --server-key go with --to.") }
    }

    /// The results file named by the argument: the file itself, or `results.json` inside a directory.
    func resultsFile() throws -> URL {
        let url = URL(fileURLWithPath: results)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw CommandFailure("\(results) does not exist; give a results.json file or a run's output directory.")
        }
        guard isDirectory.boolValue else { return url }
        let file = url.appendingPathComponent("results.json")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw CommandFailure(
                "\(results) holds no results.json; give a results.json file or a run's output directory.")
        }
        return file
    }

    func run() throws {
        let scan: ScanResults
        let directory: URL
        if let endpoint {
            scan = try ScanResults.fromCoordinator(client: try curve.client(endpoint: endpoint), run: results)
            directory = URL(
                fileURLWithPath: out ?? (scan.run.dataset.dimension > 0 ? scan.run.spec.output.directory : results))
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } else {
            let source = try resultsFile()
            scan = try ScanResults.load(contentsOf: source)
            directory = out.map { URL(fileURLWithPath: $0) } ?? source.deletingLastPathComponent()
        }
        let written = try ScanReport(results: scan).write(to: directory)
        let state = scan.run.status.isInProgress ? " (in progress: partial report)" : ""
        print("report for run \(scan.run.id), \(scan.run.status.rawValue)\(state): \(scan.models.count) models")
        // The four files by name; the figures (an SVG and a CSV each) as one line, not forty.
        let main = written.prefix(ScanReport.fileNames.count)
        for url in main { print("  \(url.path)") }
        if written.count > main.count {
            let folder = directory.appendingPathComponent(ScanReport.figuresFolder).path
            print("  \(folder)/: \((written.count - main.count) / 2) figures, each as .svg and .csv")
        }
    }
}
