import Foundation
import Shards

/// Late fusion of trained model files on one dataset: each model is loaded, predicts every split and
/// condition it reads (``TrainedModel/predictionRows(clean:distorted:)``, what `salience predict` writes) and
/// the predictions are fused by ``LateFusion``, the engine of `salience fuse`. A scan's `scan.fuse` task runs
/// it; the result equals `salience predict` on each model followed by `salience fuse` on the CSVs.
public struct ModelFusionJob {
    /// The dataset every member reads (its own columns of it).
    public var directory: URL
    /// The dataset's name in messages.
    public var datasetName: String
    /// The members' model files, in member order, each with the name it is reported under.
    public var models: [(name: String, url: URL)]
    /// How the members are combined.
    public var method: FusionMethod
    /// Target columns the models were trained on (nil: every target).
    public var targetColumns: [Int]?
    /// Distorted conditions to evaluate (nil: every one).
    public var conditions: Set<String>?

    /// A job fusing `models` on `directory` by `method`.
    public init(directory: URL, datasetName: String, models: [(name: String, url: URL)], method: FusionMethod) {
        self.directory = directory
        self.datasetName = datasetName
        self.models = models
        self.method = method
    }

    /// Loads, predicts, fuses and evaluates.
    /// - Throws: `LearnError` for a model that does not load or fit the dataset, `DatasetError` for invalid
    ///   shards, `FusionError` when the members differ in targets or utterances.
    public func run() throws -> FusionRecord {
        var tables = [PredictionTable]()
        var labels: (clean: [Split: UtteranceSet], distorted: [String: [Split: UtteranceSet]])?
        var catalog: DatasetCatalog?
        for (name, url) in models {
            let trained = try Checkpoint.load(from: url)
            let data = try TrainingData(
                directory: directory, selection: trained.selection, selectionSource: name,
                model: (name, trained.datasetWidth))
            let columns = targetColumns ?? Array(0..<data.catalog.targets.count)
            var clean = [Split: UtteranceSet]()
            for (split, set) in data.clean { clean[split] = set.restrictedTargets(columns) }
            var distorted = [String: [Split: UtteranceSet]]()
            for (condition, splits) in data.distorted where conditions?.contains(condition) ?? true {
                for (split, set) in splits {
                    distorted[condition, default: [:]][split] = set.restrictedTargets(columns)
                }
            }
            let rows = trained.predictionRows(clean: clean, distorted: distorted)
            tables.append(PredictionTable(source: name, targets: trained.targets, rows: rows))
            if labels == nil {
                labels = (clean, distorted)
                catalog = data.catalog
            }
        }
        let fusion = try LateFusion(members: tables, method: method)
        guard let labels, let catalog else { throw FusionError.tooFewMembers(0) }
        let columns = targetColumns ?? Array(0..<catalog.targets.count)
        return try fusion.run(
            clean: labels.clean, distorted: labels.distorted, targets: columns.map { catalog.targets[$0] },
            task: catalog.task, dataset: datasetName)
    }
}
