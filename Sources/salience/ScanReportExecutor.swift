import Cluster
import Foundation
import Reports
import Scan

/// `scan.report`: writes report.html, report.md, results.json and results.csv of assembled results into the
/// run's output directory (here, not in `Scan`, because `Reports` sits above `Scan`).
struct ScanReportExecutor: TaskExecutor {
    var kind: String { ScanTaskKind.report }

    func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        try TaskTiming.stamp { try write(task, outputRoot: context.outputRoot) }
    }

    private func write(_ task: TaskInput, outputRoot: OutputRoot) throws -> Payload {
        let body = try ScanCoding.decode(ReportTask.self, from: task.payload, what: "scan.report task")
        let directory = try outputRoot.resolve(body.outputDirectory)
        let written: [URL]
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            written = try ScanReport(results: body.results).write(to: directory)
        } catch {
            throw ScanError.io(path: directory.path, reason: "cannot write the report: \(error)")
        }
        return try ScanCoding.payload([
            "key": "report", "files": written.map(\.lastPathComponent).joined(separator: ","),
        ])
    }
}
