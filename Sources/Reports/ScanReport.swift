import Foundation
import ScanModel

/// The report of one scan: built from a ``Scan/ScanResults`` (finished or still running), written as
/// `report.html`, `report.md`, `results.json` and `results.csv` into an output directory.
///
/// A run in progress renders too: a section whose data is missing says so ("not yet available") instead of
/// failing, and the header says how far the run is.
public struct ScanReport {
    /// The results drawn.
    public let results: ScanResults

    /// Creates the report of `results`.
    public init(results: ScanResults) { self.results = results }

    /// The files a report consists of, in the order they are written.
    public static let fileNames = ["results.json", "results.csv", "report.md", "report.html"]

    /// Writes the four files into `directory` (created if missing) and returns their locations.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError.cannotWrite(path: directory.path, reason: error.localizedDescription)
        }
        let contents: [(String, Data)] = [
            ("results.json", try results.jsonData()),
            ("results.csv", Data(csv().utf8)),
            ("report.md", Data(markdown().utf8)),
            ("report.html", Data(html().utf8)),
        ]
        var written: [URL] = []
        for (name, data) in contents {
            let url = directory.appendingPathComponent(name)
            do {
                try data.write(to: url, options: .atomic)
            } catch {
                throw ReportError.cannotWrite(path: url.path, reason: error.localizedDescription)
            }
            written.append(url)
        }
        return written
    }

    /// `results.csv`: one row per trained model.
    public func csv() -> String { ResultsCSV.render(results) }

    /// `report.md`: the same tables as the HTML, in Markdown.
    public func markdown() -> String { MarkdownPage.render(title: title, sections: sections(includeFigures: false)) }

    /// `report.html`: one self-contained page (inline CSS and SVG, no scripts, no network).
    public func html() -> String { HTMLPage.render(title: title, sections: sections(includeFigures: true)) }

    /// The page title.
    var title: String { "Salience scan: \(results.run.spec.name)" }
}

/// Why a report could not be written.
public enum ReportError: Error, CustomStringConvertible {
    /// A file or directory could not be created or written.
    case cannotWrite(path: String, reason: String)

    /// What failed, naming the path.
    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): return "cannot write \(path): \(reason)"
        }
    }
}

/// One section of the report: a heading, notes (e.g. "not yet available"), figures and tables.
struct ReportSection {
    /// A figure: an `<svg>` element and its caption.
    struct Figure {
        var svg: String
        var caption: String
    }

    var id: String
    var title: String
    var intro: String? = nil
    /// Notes shown prominently: progress, missing data.
    var notes: [String] = []
    /// The section's answers, one sentence each (the summary's headline findings).
    var findings: [String] = []
    var figures: [Figure] = []
    var tables: [ReportTable] = []
}
