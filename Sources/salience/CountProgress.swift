import Foundation

/// Progress of a command that counts through items (`attribute: 120/826 utterances`), shown the way
/// `ScanProgressDisplay` shows a scan: on a terminal one line redrawn with a bar; in a log (standard error
/// not a terminal) a plain line at most every `logInterval` seconds and one at the end, so a log file gets
/// whole lines instead of a single line full of carriage returns.
struct CountProgress {
    /// Seconds between plain lines in a log: often enough to show a long run is alive, rarely enough that
    /// a run of hours writes a few hundred lines at most.
    static let logInterval: TimeInterval = 10

    let label: String
    let unit: String
    let total: Int
    let isTerminal: Bool
    private var lastPrinted = Date.distantPast
    private var lastCount = -1
    private var drewLine = false

    init(label: String, unit: String, total: Int, isTerminal: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.unit = unit
        self.total = total
        self.isTerminal = isTerminal
    }

    /// The plain text for `done` items.
    func line(_ done: Int) -> String { "\(label): \(done)/\(total) \(unit)" }

    /// Shows that `done` items are finished.
    mutating func show(_ done: Int, now: Date = Date()) {
        guard done != lastCount else { return }
        lastCount = done
        if isTerminal {
            let filled = total > 0 ? min(20, 20 * done / total) : 20
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "] "
            write("\r\u{1B}[K" + bar + line(done))
            drewLine = true
        } else if now.timeIntervalSince(lastPrinted) >= Self.logInterval || done >= total {
            write(line(done) + "\n")
            lastPrinted = now
        }
    }

    /// Ends the redrawn line on a terminal, so that what follows starts on its own.
    mutating func finish() {
        if drewLine { write("\n") }
        drewLine = false
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
