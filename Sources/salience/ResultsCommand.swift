import ArgumentParser
import Cluster
import Foundation

/// `salience results RUN`: every finished task's result, as JSON lines.
struct ResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Print a run's finished tasks as JSON lines (id, phase, index, kind, ok, error, body, arrays).",
        discussion: """
            Bodies and arrays are base64. Example:
              salience results run-1a2b3c4d --to tcp://head-node:5555 > results.jsonl
            """)

    @Argument(help: "The run id.")
    var runID: String

    @OptionGroup var connection: CoordinatorConnectionOptions

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
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        for record in try connection.client().allResults(run: runID) {
            let line = Line(
                id: record.outcome.id, phase: record.outcome.phase, index: record.outcome.index,
                kind: record.outcome.kind, ok: record.outcome.ok, error: record.outcome.error,
                bodyBase64: record.result?.body.base64EncodedString(),
                arraysBase64: record.result?.arrays.map { $0.base64EncodedString() })
            print(String(decoding: try encoder.encode(line), as: UTF8.self))
        }
    }
}
