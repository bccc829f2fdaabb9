import Foundation

/// What `salience submit` and `salience scan --to --detach` print when a run is submitted: the run id
/// alone on one line (what a script captures with `run=$(salience submit ...)`), or with `--json` one
/// compact object `{"endpoint": ..., "run": ...}` on one line. Both commands print the same, so a script
/// can use either; stdout is flushed at once so that a pipe learns the id before the command exits.
enum SubmissionOutput {
    static func print(run: String, endpoint: String?, json: Bool) {
        if json {
            var object = ["run": run]
            if let endpoint { object["endpoint"] = endpoint }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(object)) ?? Data()
            Swift.print(String(decoding: data, as: UTF8.self))
        } else {
            Swift.print(run)
        }
        fflush(stdout)
    }
}
