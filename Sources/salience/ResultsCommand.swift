import ArgumentParser
import Cluster
import Foundation

/// `salience results RUN`: a run's finished tasks, as a summary a person reads or as JSON lines a script
/// reads. Task bodies are opaque bytes to the cluster (a scan's are JSON with float frames beside them), so
/// the summary gives their sizes, not base64; a scan's report is what `salience report RUN --to` builds.
struct ResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Summarise a run's finished tasks; --json prints every result in full as JSON lines.",
        discussion: """
            The summary counts tasks per kind (done, failed, bytes returned) and lists each failure with its \
            error. For a scan, `salience report RUN --to ENDPOINT --out DIR` turns the results into the \
            report (tables, plots, results.json). With --json one line per task: id, phase, index, kind, ok, \
            error, body_base64, arrays_base64.

            Examples:
              salience results run-1a2b3c4d --to tcp://head-node:5555
              salience results run-1a2b3c4d --to tcp://head-node:5555 --json > r.jsonl
            """)

    @Argument(help: "The run id.")
    var runID: String

    @OptionGroup var connection: CoordinatorConnectionOptions

    @Flag(help: "Print every task's result as a JSON line (bodies and arrays in base64).")
    var json = false

    private struct Line: Encodable {
        var id: Int64
        var phase: Int
        var index: Int
        var kind: String
        var ok: Bool
        var error: String?
        var bodyBase64: String?
        var arraysBase64: [String]?
    }

    func run() throws {
        let records = try connection.client().allResults(run: runID)
        if json {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.sortedKeys]
            for record in records {
                let line = Line(
                    id: record.outcome.id, phase: record.outcome.phase, index: record.outcome.index,
                    kind: record.outcome.kind, ok: record.outcome.ok, error: record.outcome.error,
                    bodyBase64: record.result?.body.base64EncodedString(),
                    arraysBase64: record.result?.arrays.map { $0.base64EncodedString() })
                print(String(decoding: try encoder.encode(line), as: UTF8.self))
            }
            return
        }
        print(Self.summary(records, run: runID, endpoint: connection.endpoint))
    }

    /// Per kind, in the order kinds first finished: tasks done and failed and the bytes their results
    /// hold; then each failure; then where the readable form of a scan's results is.
    static func summary(_ records: [TaskResultRecord], run: String, endpoint: String) -> String {
        var kinds: [String] = []
        var counts: [String: (done: Int, failed: Int, bytes: Int)] = [:]
        for record in records {
            let kind = record.outcome.kind
            if counts[kind] == nil { kinds.append(kind) }
            var count = counts[kind] ?? (0, 0, 0)
            if record.outcome.ok { count.done += 1 } else { count.failed += 1 }
            count.bytes += (record.result?.body.count ?? 0) + (record.result?.arrays.reduce(0) { $0 + $1.count } ?? 0)
            counts[kind] = count
        }
        var lines = ["run \(run): \(records.count) finished task(s)"]
        let width = kinds.map(\.count).max() ?? 0
        for kind in kinds {
            let count = counts[kind]!
            lines.append(
                "  " + kind.padding(toLength: width, withPad: " ", startingAt: 0)
                    + "  \(count.done) done, \(count.failed) failed, \(byteText(count.bytes))")
        }
        for record in records where !record.outcome.ok {
            lines.append(
                "  task \(record.outcome.id) (\(record.outcome.kind), phase \(record.outcome.phase)) failed: "
                    + (record.outcome.error ?? "no error given"))
        }
        if kinds.contains(where: { $0.hasPrefix("scan.") }) {
            lines.append("the scan's report: salience report \(run) --to \(endpoint) --out DIR")
        }
        lines.append("every result in full (base64): salience results \(run) --to \(endpoint) --json")
        return lines.joined(separator: "\n")
    }

    private static func byteText(_ bytes: Int) -> String {
        bytes < 10_000 ? "\(bytes) bytes" : String(format: "%.1f kB", Double(bytes) / 1000)
    }
}
