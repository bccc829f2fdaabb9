import Cluster
import Foundation
import Scan

/// What `salience scan` shows while it follows a run: the run's parts by the names the report uses
/// (`statistics 22/22 · ig 2/3 · grid 10/36`), the share done, and an ETA for the whole run (the
/// coordinator's: every part's remaining tasks at its mean task time over the workers' slots). On a terminal
/// it is one line redrawn with a bar; in a log, a plain line when the counts change (at most every 2 s) and
/// at least every 30 s, so that a long training phase still shows it is alive.
struct ScanProgressDisplay {
    /// Whether standard error is a terminal.
    let isTerminal: Bool
    private var lastText = ""
    private var lastKey = ""
    private var lastPrinted = Date.distantPast
    private var drewLine = false

    init(isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.isTerminal = isTerminal
    }

    /// The line for `status` after `elapsed` seconds (also what a log gets).
    static func line(_ status: RunStatus, elapsed: Double) -> (text: String, key: String) {
        // Before the planner knows the scan (and after a coordinator restart) the coordinator counts by task
        // kind: those get the report's names too, merged.
        var groups: [GroupStatus] = []
        for group in status.groups ?? [] {
            let name = group.name.hasPrefix("scan.") ? PhaseTiming.phaseName(kind: group.name) : group.name
            if let index = groups.firstIndex(where: { $0.name == name }) {
                groups[index].total += group.total
                groups[index].done += group.done
                groups[index].failed += group.failed
            } else {
                var renamed = group
                renamed.name = name
                groups.append(renamed)
            }
        }
        let parts = groups.map { "\($0.name) \($0.done)/\($0.total)" + ($0.failed > 0 ? " (\($0.failed) failed)" : "") }
        let done = groups.reduce(0) { $0 + $1.done + $1.failed }
        let total = groups.reduce(0) { $0 + $1.total }
        let share = total > 0 ? Double(done) / Double(total) : 0
        let eta: String
        if status.state.isFinal {
            eta = status.state.rawValue
        } else if let seconds = status.etaRunSeconds {
            eta = "ETA " + duration(seconds)
        } else if let waiting = groups.first(where: {
            $0.done + $0.failed < $0.total && $0.meanSeconds == nil && $0.name != "catalog" && $0.name != "report"
        }) {
            eta = "ETA after the first \(waiting.name) task"
        } else {
            eta = "ETA ?"
        }
        let planning = status.planningSeconds.map { " | planning the next phase (\(duration($0)))" } ?? ""
        let text =
            "scan: " + (parts.isEmpty ? "starting" : parts.joined(separator: " · "))
            + String(format: " | %.0f %% | ", share * 100) + eta + planning + " | " + duration(elapsed)
        return (text, parts.joined(separator: ",") + "|\(status.failed)")
    }

    /// Seconds as `42 s`, `3 min 05 s` or `1 h 02 min`.
    static func duration(_ seconds: Double) -> String {
        let whole = Int(max(0, seconds).rounded())
        if whole < 60 { return "\(whole) s" }
        if whole < 3600 { return String(format: "%d min %02d s", whole / 60, whole % 60) }
        return String(format: "%d h %02d min", whole / 3600, (whole % 3600) / 60)
    }

    /// Shows `status` if it is news (or, in a log, if nothing was printed for 30 s).
    mutating func show(_ status: RunStatus, elapsed: Double, now: Date = Date()) {
        let (text, key) = Self.line(status, elapsed: elapsed)
        if isTerminal {
            guard text != lastText else { return }
            let done = (status.groups ?? []).reduce(0) { $0 + $1.done + $1.failed }
            let total = max(1, (status.groups ?? []).reduce(0) { $0 + $1.total })
            let filled = min(20, 20 * done / total)
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "] "
            write("\r\u{1B}[K" + bar + text)
            drewLine = true
        } else {
            let since = now.timeIntervalSince(lastPrinted)
            guard (key != lastKey && since >= 2) || since >= 30 else { return }
            write(text + "\n")
            lastKey = key
            lastPrinted = now
        }
        lastText = text
    }

    /// Ends the redrawn line, so that what follows starts on its own.
    mutating func finish() {
        if drewLine { write("\n") }
        drewLine = false
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
