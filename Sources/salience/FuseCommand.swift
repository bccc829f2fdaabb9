import ArgumentParser
import Foundation
import Learn
import Shards

/// `salience fuse A.csv B.csv ... --dataset DIR --out fused.csv`: late fusion of several systems' predictions.
struct FuseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fuse",
        abstract: "Fuse the predictions of several trained models (late fusion); evaluate like any model.",
        discussion: """
            Each member is a CSV written by `salience predict` (one model, predicted on its own dataset: another \
            modality, layer, selection or seed of the same utterances). Members are joined on utterance id per \
            split and condition; differing utterances, splits, conditions or targets are refused, naming the first. \
            Weights are fitted on the clean dev split of --dataset only (whose consensus labels score every split \
            and condition). Methods: mean, dev-weighted (weights proportional to each member's dev CCC or AUC), \
            learned (b + sum w_m p_m by least squares, or logistic regression on probabilities for binary \
            targets). Example:
              salience predict a.h5 ../shared/datasets/vader-minilm --out a.csv
              salience predict b.h5 ../shared/datasets/vader-minilm --out b.csv
              salience fuse a.csv b.csv --dataset ../shared/datasets/vader-minilm \\
                --method learned --out fused.csv --metrics fused.json
            """)

    @Argument(help: "Two or more prediction CSVs written by `salience predict`.")
    var members: [String]

    @Option(help: "The dataset whose consensus labels fit and score the fusion (its clean dev split fits).")
    var dataset: String

    @Option(help: "mean, dev-weighted or learned.")
    var method: FusionMethod = .learned

    @Option(help: "Where to write the fused predictions (CSV, as `salience predict` writes).")
    var out: String

    @Option(help: "Where to write the weights and every metric of the fusion and its members (JSON).")
    var metrics: String?

    func validate() throws {
        if members.count < 2 { throw ValidationError("Give at least two prediction CSVs to fuse.") }
    }

    func run() throws {
        let record: FusionRecord
        do {
            let tables = try members.map { try PredictionTable(contentsOf: URL(fileURLWithPath: $0)) }
            let fusion = try LateFusion(members: tables, method: method)
            // Only the labels are needed: read one embedding column.
            let data = try TrainingData(directory: URL(fileURLWithPath: dataset), selection: [0])
            record = try fusion.run(
                clean: data.clean, distorted: data.distorted, targets: data.catalog.targets, task: data.catalog.task,
                dataset: dataset)
        } catch let error as FusionError {
            throw CommandFailure(error.description)
        } catch let error as DatasetError {
            throw CommandFailure("\(dataset) is not a usable dataset:\n\(error.description)")
        }
        let rows = record.fused.keys.map { key in (key: key, values: record.fused.values[key]!.map { Float($0) }) }
        try PredictionTable.csv(header: record.fused.targets, rows: rows).write(
            toFile: out, atomically: true, encoding: .utf8)
        if let metrics { try FusionReport(record).json().write(to: URL(fileURLWithPath: metrics)) }
        let metric = Evaluation.selectionMetric(for: record.task)
        func summary(_ entries: [MetricEntry]) -> String {
            entries.filter { $0.utterances == nil && $0.target == nil && $0.metric == metric && $0.split != "train" }
                .map { "\($0.split)/\($0.condition) \($0.value.map { String(format: "%.4f", $0) } ?? "n/a")" }
                .joined(separator: ", ")
        }
        for (source, entries) in zip(record.members, record.memberMetrics) {
            print("member \(source): \(summary(entries))")
        }
        print("fused (\(method.rawValue)): \(summary(record.metrics)); \(rows.count) predictions written to \(out)")
    }
}

extension FusionMethod: ExpressibleByArgument {}
