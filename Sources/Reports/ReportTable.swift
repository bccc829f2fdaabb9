/// A table of the report, rendered the same way into HTML and Markdown so both show the same numbers.
struct ReportTable {
    /// A column: its heading and whether it holds numbers (right-aligned).
    struct Column {
        var title: String
        var numeric: Bool

        init(_ title: String, numeric: Bool = false) {
            self.title = title
            self.numeric = numeric
        }
    }

    /// The table's `id` in the HTML (tests and links find it by this).
    var id: String
    /// One line saying what the table holds.
    var caption: String
    var columns: [Column]
    /// Cell texts, row by row (already formatted; escaped when rendered).
    var rows: [[String]]
    /// Whether the HTML folds it away behind a `<details>` (long tables).
    var collapsed = false

    /// The table as HTML; every cell is escaped.
    func html() -> String {
        var lines: [String] = []
        let open =
            collapsed
            ? "<details class=\"table-fold\"><summary>\(Markup.escape(caption)) "
                + "(\(rows.count) rows)</summary>" : ""
        if !open.isEmpty { lines.append(open) }
        lines.append("<div class=\"table-wrap\"><table id=\"\(Markup.escape(id))\" class=\"data\">")
        if !collapsed { lines.append("<caption>\(Markup.escape(caption))</caption>") }
        let head = columns.map { "<th\($0.numeric ? " class=\"num\"" : "")>\(Markup.escape($0.title))</th>" }
        lines.append("<thead><tr>\(head.joined())</tr></thead>")
        lines.append("<tbody>")
        for row in rows {
            var cells = ""
            for (index, text) in row.enumerated() {
                let numeric = index < columns.count && columns[index].numeric
                cells += "<td\(numeric ? " class=\"num\"" : "")>\(Markup.escape(text))</td>"
            }
            lines.append("<tr>\(cells)</tr>")
        }
        lines.append("</tbody></table></div>")
        if collapsed { lines.append("</details>") }
        return lines.joined(separator: "\n")
    }

    /// The table as GitHub-flavoured Markdown, with its caption above; cells escaped (``Markup/markdown(_:)``).
    func markdown() -> String {
        func cell(_ text: String) -> String { Markup.markdown(text) }
        var lines = ["*\(cell(caption))*", ""]
        lines.append("| " + columns.map { cell($0.title) }.joined(separator: " | ") + " |")
        lines.append("|" + columns.map { $0.numeric ? " ---: " : " --- " }.joined(separator: "|") + "|")
        for row in rows { lines.append("| " + row.map(cell).joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n")
    }
}
