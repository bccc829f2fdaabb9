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

    /// The files a report consists of, in the order they are written (then the figures, see ``write(to:)``).
    public static let fileNames = ["results.json", "results.csv", "report.md", "report.html"]

    /// The folder beside `report.html` holding each figure as its own SVG file and its data as CSV.
    public static let figuresFolder = "figures"

    /// Writes the four files into `directory` (created if missing), then every figure of the page as
    /// `figures/<name>.svg` with its data as `figures/<name>.csv`, and returns their locations in that order.
    /// A figure file is the same `<svg>` element as in the page, standalone, so it can go into a paper.
    @discardableResult
    public func write(to directory: URL) throws -> [URL] {
        let figuresDirectory = directory.appendingPathComponent(Self.figuresFolder)
        do {
            try FileManager.default.createDirectory(at: figuresDirectory, withIntermediateDirectories: true)
        } catch {
            throw ReportError.cannotWrite(path: figuresDirectory.path, reason: error.localizedDescription)
        }
        let sections = sections(includeFigures: true)
        var contents: [(String, Data)] = [
            ("results.json", try results.jsonData()),
            ("results.csv", Data(csv().utf8)),
            ("report.md", Data(markdown().utf8)),
            ("report.html", Data(HTMLPage.render(title: title, sections: sections).utf8)),
        ]
        for figure in sections.flatMap(\.figures) {
            contents.append(
                (
                    "\(Self.figuresFolder)/\(figure.name).svg",
                    Data(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + figure.svg + "\n").utf8)
                ))
            contents.append(("\(Self.figuresFolder)/\(figure.name).csv", Data(figure.csv.utf8)))
        }
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
    /// A figure: an `<svg>` element, the numbers it draws (CSV) and its caption; written into the page and as
    /// `figures/<name>.svg` and `figures/<name>.csv` beside it.
    struct Figure {
        /// The file name without extension, unique in the report (`kept-fraction-off`).
        var name: String
        var svg: String
        var csv: String
        var caption: String

        init(name: String, svg: String, csv: String, caption: String) {
            self.name = name
            self.svg = svg
            self.csv = csv
            self.caption = caption
        }

        init(name: String, chart: LineChart, caption: String) {
            var chart = chart
            chart.id = name
            self.init(name: name, svg: chart.render(), csv: chart.csv(), caption: caption)
        }

        init(name: String, chart: BarChart, caption: String) {
            self.init(name: name, svg: chart.render(), csv: chart.csv(), caption: caption)
        }
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
