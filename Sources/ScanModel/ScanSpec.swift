/// A scan, as a user writes it: which dataset, which methods and selections, which decoder and training,
/// which conditions to evaluate, where to write the report, and how to cut the work for the cluster.
///
/// Read one from TOML with ``ScanSpec/parse(toml:source:)`` (unknown keys and every bad value are reported
/// together), check it with ``validate()`` and, once the dataset's headers are read,
/// ``validate(against:)``. The README documents every field; `cluster/scan-example.toml` shows them all.
public struct ScanSpec: Codable, Equatable, Sendable {
    /// A short name for the run, used in the report's title.
    public var name: String
    /// What data the scan reads.
    public var dataset: Dataset
    /// Which scores to compute and which selections to train on.
    public var selection: Selection
    /// Options of the mutual-information estimators (`mis`, `mis-hist`).
    public var mis: MutualInformation
    /// Options of Integrated Gradients (`ig`).
    public var ig: IntegratedGradients
    /// The decoder retrained on every selection, and its sizes.
    public var decoder: Decoder
    /// The training grid's seeds, label-variance modes and optimiser settings.
    public var training: Training
    /// Where the run writes its report and models.
    public var output: Output
    /// How the work is cut into cluster tasks.
    public var cluster: ClusterSizing
    /// `[confidence]`: bootstrap replicates (absent, and so absent from the spec's JSON, unless asked for).
    public var confidence: Confidence?
    /// Late fusion of grid cells (`[fusion]`); nil when the spec has no such section, and then absent from
    /// every file the spec is written to, so a scan without it writes what it always wrote.
    public var fusion: Fusion?
    /// `[layers]`: the layer grid of a scan over several layers; nil when the section is absent (the
    /// defaults then apply to such a scan, see ``layerSettings``), and absent from the spec's files.
    public var layers: Layers?

    /// The layer grid's settings: the section's, or its defaults.
    public var layerSettings: Layers { layers ?? Layers() }

    /// Creates a spec for the dataset directory `datasetDirectory` with every other field at its default.
    public init(datasetDirectory: String, name: String = "scan") {
        self.name = name
        dataset = Dataset(directory: datasetDirectory)
        selection = Selection()
        mis = MutualInformation()
        ig = IntegratedGradients()
        decoder = ScanSpecDefaults.decoderSizes(for: ScanSpecDefaults.decoder)
        training = Training()
        output = Output()
        cluster = ClusterSizing()
    }

    /// `[dataset]`: the shard dataset and what of it to use.
    public struct Dataset: Codable, Equatable, Sendable {
        /// The dataset directory, relative to the data root the workers are given.
        public var directory: String
        /// The targets to score and train on.
        public var targets: Subset = .all
        /// Utterance-level (mean over frames) or frame-level pairing of embeddings with labels.
        public var pooling: Pooling = ScanSpecDefaults.pooling
        /// The distorted conditions to evaluate every model on (clean is always evaluated).
        public var conditions: Subset = .all
        /// The layers of a layered dataset to read (nil: every layer; absent from the spec's files).
        public var layers: LayerChoice? = nil

        /// Creates the section for `directory` with the other fields at their defaults.
        public init(directory: String) { self.directory = directory }
    }

    /// `[selection]`: scores and the selections trained on.
    public struct Selection: Codable, Equatable, Sendable {
        /// The methods: scores (`ccs`, `mis`, `mis-hist`, `pca`, `ig`) and baselines (`random`, `full`).
        public var methods: [Method] = ScanSpecDefaults.methods
        /// Kept fractions: k = max(1, ⌊ratio·D⌋) top dimensions per method.
        public var ratios: [Double] = ScanSpecDefaults.ratios
        /// Threshold rules on a score (`mean`, `median`, `pNN`, `c*mean`), for the scoring methods.
        public var thresholds: [Threshold] = ScanSpecDefaults.thresholds

        /// Creates the section with its defaults.
        public init() {}
    }

    /// `[mis]`: the mutual-information estimators.
    public struct MutualInformation: Codable, Equatable, Sendable {
        /// Neighbours k of the Kraskov–Stögbauer–Grassberger estimator (`mis`).
        public var neighbours: Int = ScanSpecDefaults.misNeighbours
        /// Histogram bins per axis of the streaming estimator (`mis-hist`).
        public var bins: Int = ScanSpecDefaults.misBins
        /// Whether `mis-hist` applies the Miller–Madow bias correction.
        public var millerMadow: Bool = ScanSpecDefaults.misMillerMadow

        /// Creates the section with its defaults.
        public init() {}
    }

    /// `[ig]`: Integrated Gradients of the full-width decoder.
    public struct IntegratedGradients: Codable, Equatable, Sendable {
        /// Interpolation steps m between the baseline and the input.
        public var steps: Int = ScanSpecDefaults.igSteps
        /// The quadrature rule along the path.
        public var method: IGMethod = ScanSpecDefaults.igMethod

        /// Creates the section with its defaults.
        public init() {}
    }

    /// `[decoder]`: the decoder trained on every selection.
    public struct Decoder: Codable, Equatable, Sendable {
        /// Which architecture.
        public var kind: DecoderKind
        /// Channels of the temporal convolution (TC-GRU only; 0 for GRU-FF).
        public var convChannels: Int
        /// Kernel width of the temporal convolution, odd (TC-GRU only; 0 for GRU-FF).
        public var kernel: Int
        /// Units per GRU layer.
        public var gruUnits: Int
        /// Stacked GRU layers.
        public var gruLayers: Int
        /// Units of the feed-forward layer after the GRU.
        public var ffUnits: Int
        /// Dropout probability, in [0, 1).
        public var dropout: Double

        /// Creates a decoder description.
        public init(
            kind: DecoderKind, convChannels: Int, kernel: Int, gruUnits: Int, gruLayers: Int, ffUnits: Int,
            dropout: Double
        ) {
            self.kind = kind
            self.convChannels = convChannels
            self.kernel = kernel
            self.gruUnits = gruUnits
            self.gruLayers = gruLayers
            self.ffUnits = ffUnits
            self.dropout = dropout
        }
    }

    /// `[training]`: the grid's seeds and label-variance modes, and the optimiser.
    public struct Training: Codable, Equatable, Sendable {
        /// Label-variance modes to train; nil means `std-aux` when the dataset has rater spread, else `off`.
        public var labelVariance: [LabelVarianceMode]? = nil
        /// One model per seed in every grid cell.
        public var seeds: [Int] = ScanSpecDefaults.seeds
        /// At most this many epochs.
        public var epochs: Int = ScanSpecDefaults.epochs
        /// Utterances per batch.
        public var batchSize: Int = ScanSpecDefaults.batchSize
        /// Adam's initial learning rate.
        public var learningRate: Double = ScanSpecDefaults.learningRate
        /// Epochs without a better dev metric before stopping.
        public var patience: Int = ScanSpecDefaults.patience
        /// The training loss.
        public var loss: Loss = ScanSpecDefaults.loss
        /// λ, the weight of the spread head's loss in `std-aux` mode.
        public var varianceWeight: Double = ScanSpecDefaults.varianceWeight
        /// MiB of frames one training task may hold in memory; beyond it the task streams its batches from a
        /// local file. nil: the worker's share (its `--memory`, default a quarter of RAM, over its slots); a
        /// value above that share is capped to it, since the worker knows its machine.
        public var memoryMib: Int? = nil

        /// Creates the section with its defaults.
        public init() {}

        /// The modes to train on a dataset: the spec's list, or the default for whether it has rater spread.
        public func resolvedLabelVariance(hasRaterSpread: Bool) -> [LabelVarianceMode] {
            labelVariance ?? [hasRaterSpread ? .stdAux : .off]
        }
    }

    /// `[output]`: where the run's report, results and models go.
    public struct Output: Codable, Equatable, Sendable {
        /// The output directory: for a local run relative to the spec file's folder; sent to a remote
        /// coordinator as written, where workers resolve it under their `--output-root`.
        public var directory: String = ScanSpecDefaults.outputDirectory

        /// Creates the section with its defaults.
        public init() {}
    }

    /// `[cluster]`: hints for cutting the work into tasks; they change speed, never results.
    public struct ClusterSizing: Codable, Equatable, Sendable {
        /// Dimensions per task for statistics cut by dimension (the KSG estimator).
        public var dimensionBlock: Int = ScanSpecDefaults.dimensionBlock
        /// Utterances per task for statistics and IG passes cut by utterance range.
        public var utterancesPerTask: Int = ScanSpecDefaults.utterancesPerTask

        /// Creates the section with its defaults.
        public init() {}
    }
}
