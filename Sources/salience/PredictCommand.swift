import ArgumentParser
import Foundation
import Learn
import Shards

/// `salience predict MODEL DIR --out FILE`: runs a trained model on every utterance of a dataset.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict every utterance of a dataset with a trained model; write a CSV.",
        discussion: """
            The CSV has one row per utterance and condition: id, condition, split, then one column per output \
            (each target; with std-aux, nll or distribution also <target>_spread, the predicted rater spread). Binary targets are probabilities.

            Example:
              salience predict model.h5 data --out predictions.csv
            """)

    @Argument(help: "A model file written by `salience train`.")
    var model: String

    @Argument(help: "The dataset directory (shards *.h5) with the model's embedding width.")
    var dataset: String

    @Option(help: "Where to write the predictions (CSV).")
    var out: String

    func run() throws {
        let trained: TrainedModel
        let data: TrainingData
        do {
            trained = try Checkpoint.load(from: URL(fileURLWithPath: model))
            data = try TrainingData(
                directory: URL(fileURLWithPath: dataset), selection: trained.selection, selectionSource: model,
                model: (model, trained.datasetWidth), layers: trained.datasetLayers)
        } catch let error as LearnError {
            throw CommandFailure(error.description)
        } catch let error as DatasetError {
            throw CommandFailure("\(dataset) is not a usable dataset:\n\(error.description)")
        }
        let spreads = trained.labelVariance.predictsSpread ? trained.targets.map { "\($0)_spread" } : []
        // The rows a scan's fusion fuses too (TrainedModel.predictionRows).
        let rows = trained.predictionRows(clean: data.clean, distorted: data.distorted)
        // The one CSV format `salience fuse` reads (PredictionTable).
        try PredictionTable.csv(header: trained.targets, extraColumns: spreads, rows: rows).write(
            toFile: out, atomically: true, encoding: .utf8)
        print("\(rows.count) predictions written to \(out)")
    }
}
