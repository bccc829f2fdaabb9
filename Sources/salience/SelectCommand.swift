import ArgumentParser
import Foundation
import Saliency

/// `salience select scores.csv --by ccs --ratio 0.6`: selected dimension indices from a scores CSV.
struct SelectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "select",
        abstract: "Select dimensions from a scores CSV by a top ratio, a threshold, or at random.",
        discussion: """
            Scores sort descending, ties to the lower index; the selected indices (the CSV's `dim` values) \
            are printed ascending, one per line, or written to --out. Exactly one rule:
              --ratio R      the k = max(1, floor(R * D)) highest scores, 0 < R <= 1
              --top K        the K highest scores
              --threshold T  every score >= T; T: mean, median, pNN (p75), c*mean (2*mean)
                             or stable:π (0 < π <= 1): kept by the mean rule in a
                             fraction π of bootstrap replicates (<by>.p_stable,
                             from `salience scores --replicates B`)
              --random K     K dimensions at random (seeded by --seed), a baseline

            Examples:
              salience select scores.csv --by ccs --ratio 0.6
              salience select scores.csv --by mis.valence --threshold p75 --out dims.txt
              salience select scores.csv --by ccs --random 230 --seed 1
            """)

    @Argument(help: "A CSV written by `salience scores`.")
    var scores: String

    @Option(help: "The column to rank by (e.g. ccs, mis, mis-hist.valence).")
    var by: String

    @Option(help: "Keep the top fraction of dimensions.")
    var ratio: Double?

    @Option(help: "Keep the top K dimensions.")
    var top: Int?

    @Option(help: "Keep scores at least mean, median, pNN or c*mean.")
    var threshold: String?

    @Option(help: "Keep K dimensions drawn at random.")
    var random: Int?

    @Option(help: "Seed for --random.")
    var seed: UInt64 = 0

    @Option(help: "Write the indices here instead of printing them.")
    var out: String?

    func validate() throws {
        let rules = [ratio != nil, top != nil, threshold != nil, random != nil].filter { $0 }.count
        guard rules == 1 else { throw ValidationError("give exactly one of --ratio, --top, --threshold, --random") }
        if let ratio, !(ratio > 0 && ratio <= 1) { throw ValidationError("--ratio must be in (0, 1]") }
        if let threshold, let pi = stableFraction(threshold) {
            guard pi > 0 && pi <= 1 else {
                throw ValidationError("--threshold \(threshold): the fraction π must be in (0, 1]")
            }
        } else if let threshold {
            do { _ = try ScoreThreshold(parsing: threshold) } catch { throw ValidationError("\(error)") }
        }
    }

    /// π of `stable:π` (NaN when the number does not parse), nil for any other threshold.
    func stableFraction(_ threshold: String) -> Double? {
        let text = threshold.trimmingCharacters(in: .whitespaces).lowercased()
        guard text.hasPrefix("stable:") else { return nil }
        return Double(text.dropFirst(7)) ?? .nan
    }

    func run() throws {
        let table = try SelectScoresTable(path: scores)
        if let threshold, let pi = stableFraction(threshold) {
            let probabilities = try table.column(by + ".p_stable")
            let text = Selection.stable(probabilities: probabilities, fraction: pi).map { "\(table.dimensions[$0])\n" }
            if let out {
                try text.joined().write(toFile: out, atomically: true, encoding: .utf8)
            } else {
                print(text.joined(), terminator: "")
            }
            return
        }
        let values = try table.column(by)
        let rule: SelectionRule
        if let ratio {
            rule = .topRatio(ratio)
        } else if let top {
            rule = .top(top)
        } else if let threshold {
            rule = .threshold(try ScoreThreshold(parsing: threshold))
        } else {
            rule = .random(count: random ?? 1, seed: seed)
        }
        let positions: [Int]
        do {
            positions = try Selection.select(values, rule: rule)
        } catch {
            throw CommandFailure("\(scores): \(error)")
        }
        let text = positions.map { "\(table.dimensions[$0])\n" }.joined()
        if let out {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } else {
            print(text, terminator: "")
        }
    }
}

/// A scores CSV read back: the `dim` column and every score column by name.
struct SelectScoresTable {
    let dimensions: [Int]
    let columns: [String: [Double]]
    let names: [String]

    init(path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CommandFailure("cannot read \(path): \(error.localizedDescription)")
        }
        let lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard let header = lines.first?.split(separator: ",").map(String.init), header.first == "dim" else {
            throw CommandFailure("\(path): not a scores CSV (the first column must be `dim`)")
        }
        var dimensions = [Int]()
        var values = [[Double]](repeating: [], count: header.count)
        for (lineIndex, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == header.count, let dimension = Int(fields[0]) else {
                throw CommandFailure(
                    "\(path):\(lineIndex + 2): expected \(header.count) fields starting with a dimension")
            }
            dimensions.append(dimension)
            for column in 1..<header.count {
                guard let value = Double(fields[column]), !value.isNaN else {
                    throw CommandFailure(
                        "\(path):\(lineIndex + 2): '\(fields[column])' in column \(header[column]) is not a number")
                }
                values[column].append(value)
            }
        }
        guard !dimensions.isEmpty else { throw CommandFailure("\(path): no rows") }
        self.dimensions = dimensions
        names = Array(header.dropFirst())
        var columns = [String: [Double]]()
        for column in 1..<header.count { columns[header[column]] = values[column] }
        self.columns = columns
    }

    /// The values of column `name`.
    func column(_ name: String) throws -> [Double] {
        guard let values = columns[name] else {
            throw CommandFailure("no column '\(name)' (columns: \(names.joined(separator: ", ")))")
        }
        return values
    }
}
