import Foundation
import Shards

extension TrainedModel {
    /// The model's reported outputs for every utterance of every clean split and distorted condition, one row
    /// per (condition, split, id) in the order `salience predict` writes them (clean first, then conditions by
    /// name; splits train, dev, test): the rows of its CSV, and what a scan's fusion fuses, so both see the
    /// same numbers.
    public func predictionRows(
        clean: [Split: UtteranceSet], distorted: [String: [Split: UtteranceSet]]
    ) -> [(key: PredictionTable.Key, values: [Float])] {
        var sets: [(String, Split, UtteranceSet)] = Split.allCases.compactMap { split in
            clean[split].map { (ShardFormat.cleanCondition, split, $0) }
        }
        for (condition, splits) in distorted.sorted(by: { $0.key < $1.key }) {
            sets += Split.allCases.compactMap { split in splits[split].map { (condition, split, $0) } }
        }
        var rows = [(key: PredictionTable.Key, values: [Float])]()
        let o = outputCount
        for (condition, split, set) in sets {
            let predictions = predict(set)
            for u in 0..<set.count {
                rows.append(
                    (
                        PredictionTable.Key(condition: condition, split: split, id: set.ids[u]),
                        Array(predictions[(u * o)..<((u + 1) * o)])
                    ))
            }
        }
        return rows
    }
}

extension PredictionTable {
    /// The table of `rows` exactly as `salience fuse` reads them back from `salience predict`'s CSV: the
    /// first `targets.count` values of each row (spreads dropped), each the Double of its CSV text
    /// `String(Float)`. Why not `Double(Float)`: the CSV holds the shortest decimal that round-trips the
    /// Float, whose Double differs from the widened Float in the last ~9 digits, and fusing in a scan must
    /// give what fusing the CSVs gives.
    public init(source: String, targets: [String], rows: [(key: Key, values: [Float])]) {
        var values = [Key: [Double]]()
        for row in rows { values[row.key] = row.values.prefix(targets.count).map { Double(String($0))! } }
        self.init(source: source, targets: targets, keys: rows.map(\.key), values: values)
    }
}
