import Foundation
import Shards

/// Predictions of one system for every utterance it was run on, keyed by (condition, split, id): the CSV that
/// `salience predict` writes (id, condition, split, one column per target, then `<target>_spread` columns with a
/// mode that predicts the spread), read and written here so that predicting and fusing agree on one format.
/// Only the T mean columns are kept; binary targets hold probabilities.
public struct PredictionTable: Sendable {
    /// Where an utterance's row sits: the condition of the embeddings, the split and the utterance id.
    public struct Key: Hashable, Comparable, Sendable, CustomStringConvertible {
        public var condition: String
        public var split: Split
        public var id: String

        public init(condition: String, split: Split, id: String) {
            self.condition = condition
            self.split = split
            self.id = id
        }

        /// Condition, then split order (train, dev, test), then id: the order `salience predict` writes.
        public static func < (a: Key, b: Key) -> Bool {
            if a.condition != b.condition { return a.condition < b.condition }
            if a.split != b.split { return a.split.rawValue < b.split.rawValue }
            return a.id < b.id
        }

        /// `id "x" (test, clean)`.
        public var description: String { "id \"\(id)\" (\(split.description), \(condition))" }
    }

    /// The file or system it came from, for messages.
    public var source: String
    /// Target names, in column order.
    public var targets: [String]
    /// Rows in file order.
    public var keys: [Key]
    /// T values per key.
    public var values: [Key: [Double]]

    /// A table from explicit rows.
    public init(source: String, targets: [String], keys: [Key], values: [Key: [Double]]) {
        self.source = source
        self.targets = targets
        self.keys = keys
        self.values = values
    }

    /// Reads a CSV written by `salience predict` (RFC 4180 quoting).
    /// - Throws: `FusionError.badPredictions` naming the file and line.
    public init(contentsOf url: URL) throws {
        let source = url.path
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw FusionError.badPredictions(source: source, line: 0, reason: "cannot read the file")
        }
        let records = try PredictionTable.parse(text, source: source)
        guard let header = records.first, header.count >= 4, Array(header[0..<3]) == ["id", "condition", "split"] else {
            throw FusionError.badPredictions(
                source: source, line: 1, reason: "the header is not id,condition,split,<targets> (salience predict)")
        }
        let columns = Array(header[3...])
        let targets = columns.filter { column in !columns.contains { column == "\($0)_spread" } }
        var keys = [Key]()
        var values = [Key: [Double]]()
        for (number, record) in records.enumerated().dropFirst() {
            guard record.count == header.count else {
                throw FusionError.badPredictions(
                    source: source, line: number + 1, reason: "\(record.count) fields, the header has \(header.count)")
            }
            guard let split = Split.allCases.first(where: { $0.description == record[2] }) else {
                throw FusionError.badPredictions(
                    source: source, line: number + 1, reason: "split \"\(record[2])\" is not train, dev or test")
            }
            let key = Key(condition: record[1], split: split, id: record[0])
            var row = [Double]()
            for (offset, target) in targets.enumerated() {
                guard let value = Double(record[3 + offset]) else {
                    throw FusionError.badPredictions(
                        source: source, line: number + 1, reason: "\(target) \"\(record[3 + offset])\" is not a number")
                }
                row.append(value)
            }
            guard values.updateValue(row, forKey: key) == nil else {
                throw FusionError.badPredictions(source: source, line: number + 1, reason: "\(key) appears twice")
            }
            keys.append(key)
        }
        self.init(source: source, targets: targets, keys: keys, values: values)
    }

    /// The CSV text: a header, then one row per key in `keys` order. Values are written as `String(Float)`
    /// (what `salience predict` writes), extra columns (spreads) after the targets.
    public static func csv(
        header targets: [String], extraColumns: [String] = [], rows: [(key: Key, values: [Float])]
    ) -> String {
        var csv = (["id", "condition", "split"] + targets + extraColumns).joined(separator: ",") + "\n"
        for (key, values) in rows {
            csv += ([field(key.id), field(key.condition), key.split.description] + values.map { String($0) })
                .joined(separator: ",")
            csv += "\n"
        }
        return csv
    }

    /// Quotes a field when it holds a comma, quote or newline (RFC 4180).
    public static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// RFC 4180 records (quoted fields may hold commas, quotes doubled, newlines).
    static func parse(_ text: String, source: String) throws -> [[String]] {
        var records = [[String]]()
        var record = [String]()
        var field = ""
        var quoted = false
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending {
                pending = nil
                return p
            }
            return iterator.next()
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let n = next() {
                        if n == "\"" {
                            field.unicodeScalars.append("\"")
                        } else {
                            quoted = false
                            pending = n
                        }
                    } else {
                        quoted = false
                    }
                } else {
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"": quoted = true
            case ",":
                record.append(field)
                field = ""
            case "\r": continue
            case "\n":
                record.append(field)
                records.append(record)
                record = []
                field = ""
            default: field.unicodeScalars.append(c)
            }
        }
        if quoted {
            throw FusionError.badPredictions(source: source, line: records.count + 1, reason: "a quote is not closed")
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
