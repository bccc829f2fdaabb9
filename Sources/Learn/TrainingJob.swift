import Foundation
import Numerics
import Shards

/// The training job: a dataset, a column selection and a configuration in, one trained decoder and its
/// evaluation out (a `TrainingRecord`). `salience train` and the cluster's `scan.train` both run it, so a
/// model trained on one machine and one trained on a cluster come from the same code.
///
/// It reads the dataset (`TrainingData`), restricts the targets and distorted conditions asked for, applies
/// an optional input transform (a PCA projection), picks the label-variance mode and the decoder, trains on
/// the train split with the dev metric choosing the epoch, and evaluates every split of the clean data, every
/// kept distorted condition and the clean utterances matching each condition.
///
/// `config.layerMix` = L asks for SUPERB's weighted sum of layers: the selected columns (ascending) are L
/// equal blocks, one per layer in layer order (e.g. all L·D columns of a dataset whose frame is L layers'
/// hidden states), and the decoder learns softmax weights over them (``LayerMix``).
public struct TrainingJob {
    /// A map from the selected columns to the decoder's inputs, applied to every utterance set before
    /// training (e.g. a PCA projection onto k components).
    public struct InputTransform {
        /// The decoder's input width after the transform.
        public var width: Int
        /// Weights the transform holds (counted in the model's parameters).
        public var weightCount: Int
        /// The transform of row-major `rows x D` frames.
        public var apply: (_ frames: [Float], _ rows: Int) throws -> [Float]

        /// A transform to `width` inputs holding `weightCount` weights.
        public init(width: Int, weightCount: Int, apply: @escaping (_ frames: [Float], _ rows: Int) throws -> [Float]) {
            self.width = width
            self.weightCount = weightCount
            self.apply = apply
        }
    }

    /// The dataset's directory, and its name in messages and in the model file.
    public var directory: URL
    public var datasetName: String
    /// The selected columns (nil: all D), and where they came from, for messages.
    public var selection: [Int]?
    public var selectionSource: String
    /// The target columns trained on (nil: all).
    public var targetColumns: [Int]?
    /// The distorted conditions evaluated (nil: all the dataset has).
    public var conditions: Set<String>?
    /// An input transform applied after the selection (nil: the selected columns are the inputs).
    public var transform: InputTransform?
    /// The decoder (nil: TC-GRU for regression, GRU-FF for binary tasks), and changes to its preset.
    public var decoder: DecoderConfig.Kind?
    public var adjustDecoder: (inout DecoderConfig) -> Void
    /// Training settings; `labelVariance` nil means std-aux when the dataset has rater spreads, else off.
    public var config: TrainingConfig
    public var labelVariance: LabelVarianceMode?
    /// Bytes of frames kept in memory at most (nil: no limit). Beyond it the selected frames are read once
    /// into a local file in `cacheDirectory` and every epoch reads its batches from there (``FrameFile``).
    public var memoryBudget: Int?
    public var cacheDirectory: URL?
    /// The layers of a layered dataset read, side by side (nil: every layer); the selection counts columns
    /// across them.
    public var layers: [Int]?
    /// A worker's cache of decoded shards: the dataset is read from the data root once per machine, not
    /// once per job (nil: every job reads the shards).
    public var columnCache: ColumnCache?

    /// A job with every choice at its default.
    public init(directory: URL, datasetName: String? = nil, config: TrainingConfig = TrainingConfig()) {
        self.directory = directory
        self.datasetName = datasetName ?? directory.path
        self.selection = nil
        self.selectionSource = "all columns"
        self.config = config
        self.adjustDecoder = { _ in }
    }

    /// Reads, trains, evaluates. `announce` gets one line before training starts; `progress` one report
    /// per epoch.
    /// - Throws: `DatasetError` for invalid shards; `LearnError` for a selection out of range, a missing
    ///   split, std-aux without rater spreads, BCE on a non-binary task, or a layer mix whose L does not
    ///   divide the selected columns (or that would follow an input transform).
    public func run(
        announce: (String) -> Void = { _ in }, progress: (EpochReport) -> Void = { _ in }
    ) throws -> TrainingRecord {
        if let layers = config.layerMix {
            // A transform's outputs are not the layers' columns, so there is nothing to weigh layer by layer.
            guard transform == nil else {
                throw LearnError.invalidSetting(
                    "layer-mix weighs the layers' own columns and cannot follow an input transform (a PCA "
                        + "projection); train the mix on the selected columns, or the projection without it")
            }
            // Refused before any frame is read when the selection is known (duplicates count once, as read).
            if let selection, layers < 1 || Set(selection).count % layers != 0 {
                throw LearnError.badLayerMix(layers: layers, columns: Set(selection).count)
            }
        }
        let data = try TrainingData(
            directory: directory, selection: transform == nil ? selection : nil, selectionSource: selectionSource,
            memoryBudget: memoryBudget, cacheDirectory: cacheDirectory, columnCache: columnCache, layers: layers,
            batchSize: config.batchSize)
        let catalog = data.catalog
        let width = catalog.dimension
        let columns = targetColumns ?? Array(0..<catalog.targets.count)
        // A transform maps the dataset's store into a new one (one pass over it), so each set is mapped once:
        // the distorted conditions' sets and the clean ones share nothing that could be mapped twice.
        func prepare(_ set: UtteranceSet) throws -> UtteranceSet {
            let out = set.restrictedTargets(columns)
            guard let transform else { return out }
            return try out.mappingFrames(
                toWidth: transform.width,
                storeIn: cacheDirectory ?? FileManager.default.temporaryDirectory, transform.apply)
        }
        var clean = [Split: UtteranceSet]()
        for (split, set) in data.clean { clean[split] = try prepare(set) }
        var distorted = [String: [Split: UtteranceSet]]()
        for (condition, splits) in data.distorted where conditions?.contains(condition) ?? true {
            for (split, set) in splits { distorted[condition, default: [:]][split] = try prepare(set) }
        }
        guard let train = clean[.train] else { throw LearnError.emptySplit("train") }
        guard let dev = clean[.dev] else { throw LearnError.emptySplit("dev") }
        let task = catalog.task
        let targets = columns.map { catalog.targets[$0] }
        if config.loss == .bce && task != .binary {
            throw LearnError.invalidSetting(
                "loss bce needs 0/1 targets, and \(datasetName) is a \(task.rawValue) dataset")
        }
        let mode = labelVariance ?? (train.spreads != nil ? .stdAux : .off)
        if mode.needsRaterSpread && train.spreads == nil {
            throw LearnError.noRaterSpread(dataset: datasetName, mode: mode)
        }
        // `ratings` is one array for every target, so a dataset rated for some targets only holds NaN for
        // the others (the npy recipe writes it so, with a warning). A spread head fitted to those would learn
        // "raters agree perfectly" from no ratings at all: refused, naming the target.
        if mode.needsRaterSpread, let ratings = train.ratings, train.raterCount > 0 {
            for (column, target) in targets.enumerated()
            where !stride(from: column, to: ratings.count, by: train.targetCount).contains(where: { !ratings[$0].isNaN }
            ) {
                throw LearnError.invalidSetting(
                    "\(datasetName): target '\(target)' has no ratings in the train split (every rater cell is NaN), "
                        + "so label-variance \(mode.rawValue) would fit its spread to nothing; give that target "
                        + "rater columns or use --label-variance off")
            }
        }
        if mode.needsRegression && task != .regression {
            throw LearnError.invalidSetting(
                "label-variance \(mode.rawValue) models ratings on a scale, and \(datasetName) is a "
                    + "\(task.rawValue) dataset; use std-aux, weighted or off")
        }
        let kind = decoder ?? (task == .binary ? .gruFF : .tcGRU)
        let inputs = transform?.width ?? data.selection.count
        var decoderConfig = DecoderConfig.preset(
            kind, inputWidth: inputs,
            outputCount: mode.outputCount(targets: targets.count, bins: LabelVarianceDefaults.ratingBins))
        decoderConfig.layerMix = config.layerMix
        adjustDecoder(&decoderConfig)
        try decoderConfig.validateLayerMix()
        var config = self.config
        config.labelVariance = mode
        announce(
            "train: \(kind.rawValue) on \(data.selection.count) of \(width) columns, \(train.count) train / "
                + "\(dev.count) dev utterances, label variance \(mode.rawValue), seed \(config.seed), "
                + "BLAS \(BLASCore.name)"
                + (decoderConfig.layerMix.map {
                    ", a softmax mix of \($0) layers of \(decoderConfig.frontInputWidth) columns"
                }
                    ?? "")
                + (train.isStored ? ", frames beyond the memory budget read from a local file" : ""))
        let outcome = try Trainer(config: config, decoderConfig: decoderConfig).train(
            train: train, dev: dev, task: task, targets: targets,
            selection: transform.map { Array(0..<$0.width) } ?? data.selection, datasetWidth: width,
            datasetName: datasetName, progress: progress)
        outcome.model.datasetLayers = layers
        let params = decoderConfig.parameterCount + (transform?.weightCount ?? 0)
        let fullParams = decoderConfig.withInputWidth(width).parameterCount
        return TrainingRecord(
            model: outcome.model, config: config, decoder: decoderConfig, selectionSize: data.selection.count,
            datasetWidth: width, params: params, paramsRatio: Double(params) / Double(max(1, fullParams)),
            outcome: outcome,
            metrics: MetricEntry.evaluate(outcome.model, clean: clean, distorted: distorted),
            bytesFromDataRoot: data.bytesFromDataRoot, bytesFromCache: data.bytesFromCache)
    }
}

/// What one training job produced: the model, how it was trained, and every metric.
public struct TrainingRecord {
    /// The trained decoder (best epoch).
    public var model: TrainedModel
    /// The settings it was trained with (label variance resolved).
    public var config: TrainingConfig
    /// Its architecture.
    public var decoder: DecoderConfig
    /// Selected input columns, and the dataset's D.
    public var selectionSize: Int
    public var datasetWidth: Int
    /// Trainable parameters (with a transform's weights), and their ratio to the same decoder on all D.
    public var params: Int
    public var paramsRatio: Double
    /// The training run: best epoch, timings, stop reason, per-epoch history.
    public var outcome: TrainingOutcome
    /// Every metric on every split and condition, per target and averaged (nil values: undefined).
    public var metrics: [MetricEntry]
    /// Decoded frame bytes read from the data root (the shards) and from a worker's column cache.
    public var bytesFromDataRoot: Int
    public var bytesFromCache: Int

    /// The learned share of each layer, when the decoder has a layer mix (reports show which layers it used).
    public var layerWeights: [Double]? { model.layerWeights }

    /// Writes the model (with its training settings) to `url`, creating the folder.
    public func saveModel(to url: URL) throws {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Checkpoint.save(model, to: url, training: config)
    }
}
