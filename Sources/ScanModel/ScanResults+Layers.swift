extension ScanResults {
    /// `layers` in results.json: what a scan over several layers found about them. Which layer the saliency
    /// picks (per method, by the spec's layer score), which layer a decoder trains best on (the probe), how
    /// far the two rankings agree, and how many dimensions each selection across layers takes from each layer.
    public struct LayerAnalysis: Codable, Equatable, Sendable {
        /// The layers, in column order.
        public var layers: [LayerWidth]
        /// The layer score's rule (`mean`, `top:0.1`).
        public var score: String
        /// The metric the probe is ranked by (`ccc` or `auc`), on the dev split; test beside it.
        public var metric: String
        /// Per scoring method: its layer scores and choices.
        public var methods: [MethodLayers]
        /// Per layer, the probe decoder's metrics (mean over seeds), once the probe has trained.
        public var probe: [ProbeLayer]?
        /// The layer whose probe has the best dev metric.
        public var probeBestLayer: Int?
        /// The learned weighted sum's softmax weight per layer (mean over its models), once trained.
        public var mixWeights: [Double]?

        /// Creates an analysis.
        public init(
            layers: [LayerWidth], score: String, metric: String, methods: [MethodLayers], probe: [ProbeLayer]? = nil,
            probeBestLayer: Int? = nil, mixWeights: [Double]? = nil
        ) {
            self.layers = layers
            self.score = score
            self.metric = metric
            self.methods = methods
            self.probe = probe
            self.probeBestLayer = probeBestLayer
            self.mixWeights = mixWeights
        }
    }

    /// One scoring method's view of the layers.
    public struct MethodLayers: Codable, Equatable, Sendable {
        /// The method.
        public var method: ScanSpec.Method
        /// One score per layer (the layer score of its dimensions' scores), in layer order.
        public var layerScores: [Double]
        /// The layer with the highest layer score.
        public var bestLayer: Int
        /// Spearman's ρ between the layer scores and the probe's dev metric over the layers (nil until the
        /// probe is complete, or with fewer than three layers).
        public var spearmanWithProbe: Double?
        /// Spearman's ρ between the layer scores and the probe's *test* metric (the question a researcher
        /// asks: does the layer saliency picks train best where it counts), under the same conditions.
        public var spearmanWithProbeTest: Double?
        /// For each selection across layers: how many of its dimensions come from each layer.
        public var crossLayerCounts: [CrossLayerCount]

        /// Creates a method's layer view.
        public init(
            method: ScanSpec.Method, layerScores: [Double], bestLayer: Int, spearmanWithProbe: Double? = nil,
            spearmanWithProbeTest: Double? = nil, crossLayerCounts: [CrossLayerCount] = []
        ) {
            self.method = method
            self.layerScores = layerScores
            self.bestLayer = bestLayer
            self.spearmanWithProbe = spearmanWithProbe
            self.spearmanWithProbeTest = spearmanWithProbeTest
            self.crossLayerCounts = crossLayerCounts
        }
    }

    /// Dimensions per layer of one selection across layers.
    public struct CrossLayerCount: Codable, Equatable, Sendable {
        /// The selection's rule.
        public var rule: SelectionRule
        /// Its k.
        public var k: Int
        /// Dimensions from each layer, in layer order.
        public var counts: [Int]

        /// Creates a count.
        public init(rule: SelectionRule, k: Int, counts: [Int]) {
            self.rule = rule
            self.k = k
            self.counts = counts
        }
    }

    /// One layer's probe decoder.
    public struct ProbeLayer: Codable, Equatable, Sendable {
        /// The layer.
        public var layer: Int
        /// The dev metric, mean over seeds and label-variance modes.
        public var dev: Double
        /// The test metric, likewise.
        public var test: Double
        /// Models averaged.
        public var models: Int

        /// Creates a probe entry.
        public init(layer: Int, dev: Double, test: Double, models: Int) {
            self.layer = layer
            self.dev = dev
            self.test = test
            self.models = models
        }
    }
}
