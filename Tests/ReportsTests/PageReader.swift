import Foundation
import TestFixtures
import TestSupport
import XCTest

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// Reads a well-formed (X)HTML page with Foundation's XML parser: element counts, ids, and table cell texts
/// by the table's id.
final class PageReader: NSObject, XMLParserDelegate {
    var counts: [String: Int] = [:]
    var tables: [String: [[String]]] = [:]
    var ids: [String] = []
    private var table: String?
    private var row: [String]?
    private var cell: String?

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        counts[name, default: 0] += 1
        if let id = attributes["id"] { ids.append(id) }
        if name == "table" { table = attributes["id"] }
        if name == "tr", table != nil { row = [] }
        if name == "td" || name == "th", row != nil { cell = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { cell? += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "td" || name == "th", let text = cell {
            row?.append(text)
            cell = nil
        }
        if name == "tr", let finished = row, let table {
            tables[table, default: []].append(finished)
            row = nil
        }
        if name == "table" { table = nil }
    }

    /// The table's body rows as dictionaries from column heading to cell text (headings made unique by
    /// position where they repeat).
    func records(_ id: String) -> [[String: String]] {
        guard let rows = tables[id], let header = rows.first else { return [] }
        return rows.dropFirst().map { row in
            var record: [String: String] = [:]
            for (index, text) in row.enumerated() where index < header.count {
                let key = record[header[index]] == nil ? header[index] : "\(header[index])#\(index)"
                record[key] = text
            }
            return record
        }
    }

    static func read(_ html: String) throws -> PageReader {
        let parser = XMLParser(data: Data(html.replacingOccurrences(of: "<!DOCTYPE html>", with: "").utf8))
        let reader = PageReader()
        parser.delegate = reader
        guard parser.parse() else {
            throw NSError(
                domain: "PageReader", code: 1,
                userInfo: [
                    NSLocalizedDescriptionKey:
                        "not well-formed XML at line \(parser.lineNumber): \(String(describing: parser.parserError))"
                ])
        }
        return reader
    }
}
