import Cluster
import Foundation
import Reports

/// `scan.report`: writes report.html, report.md, results.json and results.csv of assembled results into the
/// run's output directory: the last node of the scan's graph.
public struct ReportExecutor: TaskExecutor {
    /// `scan.report`.
    public var kind: String { ScanTaskKind.report }

    /// The executor.
    public init() {}

    /// Writes the report files and returns their names.
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        let started = Date()
        let body = try ScanCoding.decode(ReportTask.self, from: task.payload, what: "scan.report task")
        let directory = try context.outputRoot.resolve(body.outputDirectory)
        // The report is the run's last word, written once, here: it shows its own phase as done (its one
        // task is this write; if the write fails the run fails, and `salience scan` writes the failure).
        var results = body.results
        if let index = results.run.phases.firstIndex(where: { $0.name == "report" }) {
            results.run.phases[index].state = .done
            results.run.phases[index].tasksDone = results.run.phases[index].tasksTotal
            results.run.phases[index].startedAt = started
            results.run.phases[index].finishedAt = Date()
        }
        let written: [URL]
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            written = try ScanReport(results: results).write(to: directory)
        } catch {
            throw ScanError.io(path: directory.path, reason: "cannot write the report: \(error)")
        }
        return try ScanCoding.payload([
            "key": "report", "files": written.map(\.lastPathComponent).joined(separator: ","),
        ])
    }
}
