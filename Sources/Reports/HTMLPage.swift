/// The HTML page around the sections: inline CSS, no scripts, no external resources. The markup is
/// well-formed XML (void elements closed, only XML's named entities) so tools can parse it strictly.
enum HTMLPage {
    static func render(title: String, sections: [ReportSection]) -> String {
        var html = [
            "<!DOCTYPE html>",
            "<html lang=\"en\">",
            "<head>",
            "<meta charset=\"utf-8\"/>",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>",
            "<meta name=\"generator\" content=\"salience report\"/>",
            "<title>\(Markup.escape(title))</title>",
            "<style>\(css)</style>",
            "</head>",
            "<body>",
            "<header><h1>\(Markup.escape(title))</h1></header>",
            "<nav class=\"toc\"><ul>",
        ]
        for section in sections {
            html.append("<li><a href=\"#\(Markup.escape(section.id))\">\(Markup.escape(section.title))</a></li>")
        }
        html.append("</ul></nav>")
        html.append("<main>")
        for section in sections {
            html.append("<section id=\"\(Markup.escape(section.id))\">")
            html.append("<h2>\(Markup.escape(section.title))</h2>")
            if let intro = section.intro { html.append("<p class=\"intro\">\(Markup.escape(intro))</p>") }
            for note in section.notes { html.append("<p class=\"note\">\(Markup.escape(note))</p>") }
            if !section.findings.isEmpty {
                html.append("<ul class=\"findings\">")
                for finding in section.findings { html.append("<li>\(Markup.escape(finding))</li>") }
                html.append("</ul>")
            }
            if !section.figures.isEmpty {
                html.append("<div class=\"figures\">")
                for figure in section.figures {
                    html.append("<figure>")
                    html.append(figure.svg)
                    let file = "\(ScanReport.figuresFolder)/\(Markup.escape(figure.name))"
                    html.append(
                        "<figcaption>\(Markup.escape(figure.caption)) <span class=\"figure-files\">"
                            + "<a href=\"\(file).svg\">SVG</a> · <a href=\"\(file).csv\">data</a></span></figcaption>")
                    html.append("</figure>")
                }
                html.append("</div>")
            }
            for table in section.tables { html.append(table.html()) }
            html.append("</section>")
        }
        html.append("</main>")
        html.append(
            "<footer>Written by <code>salience report</code>. Every number in the plots is in the tables; "
                + "every metric of every model is in <code>results.csv</code> and <code>results.json</code>.</footer>")
        html.append("</body>")
        html.append("</html>")
        return html.joined(separator: "\n") + "\n"
    }

    static let css = """

        :root { color-scheme: light; }
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
          color: #1d1d1f; background: #fff; margin: 0 auto; max-width: 1240px; padding: 24px 32px 48px;
          line-height: 1.45; font-size: 14px; }
        h1 { font-size: 24px; margin: 0 0 4px; font-weight: 650; }
        h2 { font-size: 18px; margin: 36px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ddd;
          font-weight: 620; }
        nav.toc ul { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 4px 16px; }
        nav.toc a { color: #0b5cad; text-decoration: none; font-size: 13px; }
        nav.toc a:hover { text-decoration: underline; }
        p.intro { color: #444; max-width: 900px; margin: 4px 0 12px; }
        ul.findings { font-size: 1.08em; max-width: 1000px; margin: 8px 0 16px; padding-left: 20px; }
        ul.findings li { margin: 6px 0; line-height: 1.45; }
        p.note { background: #fff7e0; border-left: 4px solid #e69f00; padding: 8px 12px; margin: 8px 0;
          max-width: 900px; }
        .figures { display: flex; flex-wrap: wrap; gap: 12px 20px; margin: 12px 0; }
        figure { margin: 0; border: 1px solid #e6e6e6; border-radius: 6px; padding: 8px 8px 6px; background: #fff;
          width: fit-content; }
        figure svg { display: block; max-width: 100%; height: auto; }
        figcaption { width: 0; min-width: 100%; box-sizing: border-box; font-size: 12px; color: #555;
          padding: 6px 10px 2px; }
        .figure-files { white-space: nowrap; }
        .figure-files a { color: #0b5cad; text-decoration: none; }
        .table-wrap { overflow-x: auto; margin: 10px 0 16px; }
        table.data { border-collapse: collapse; font-size: 12.5px; font-variant-numeric: tabular-nums; }
        table.data caption { text-align: left; font-weight: 600; padding: 4px 0 6px; color: #333; }
        table.data th, table.data td { padding: 3px 10px; border-bottom: 1px solid #eee; white-space: nowrap;
          text-align: left; }
        table.data th { background: #f4f5f7; border-bottom: 1px solid #ccc; font-weight: 600; position: sticky;
          top: 0; }
        table.data td.num, table.data th.num { text-align: right; }
        table.data tbody tr:nth-child(even) { background: #fafafa; }
        details.table-fold { margin: 8px 0; }
        details.table-fold summary { cursor: pointer; color: #0b5cad; font-weight: 600; padding: 4px 0; }
        code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12.5px; }
        footer { margin-top: 40px; color: #777; font-size: 12px; border-top: 1px solid #eee; padding-top: 8px; }
        """
}

/// The Markdown page: the same sections and tables; figures are only in the HTML.
enum MarkdownPage {
    static func render(title: String, sections: [ReportSection]) -> String {
        var lines = ["# \(Markup.markdown(title))", ""]
        for section in sections {
            lines += ["## \(Markup.markdown(section.title))", ""]
            if let intro = section.intro { lines += [Markup.markdown(intro), ""] }
            for note in section.notes { lines += ["> **Note:** \(Markup.markdown(note))", ""] }
            if !section.findings.isEmpty {
                lines += section.findings.map { "- \(Markup.markdown($0))" } + [""]
            }
            if !section.figures.isEmpty {
                lines += ["(\(section.figures.count) plot\(section.figures.count == 1 ? "" : "s") in report.html)", ""]
            }
            for table in section.tables { lines += [table.markdown(), ""] }
        }
        return lines.joined(separator: "\n")
    }
}
