/// Every default of a scan spec, in one place.
///
/// Where `../shared/docs/methods.md` (which follows Mitra et al., ICASSP 2024, and Grósz et al., MuSe 2023)
/// gives a number, it is used here and the section is named beside it; the rest are ours and say so.
public enum ScanSpecDefaults {
    /// methods.md, "Scores": utterance-level pooling is the default.
    public static let pooling: ScanSpec.Pooling = .utterance
    /// methods.md, "Scores" and "Selections": every method but the streaming MIS screen (`mis-hist`).
    public static let methods: [ScanSpec.Method] = [.ccs, .mis, .pca, .ig, .random, .full]
    /// methods.md, "Selections": top ratios 0.1 … 1.0.
    public static let ratios: [Double] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    /// methods.md, "Scores", IG: keep dimensions whose mean attribution is at least the mean (Grósz et al.).
    public static let thresholds: [ScanSpec.Threshold] = [.mean]

    /// Ours: the seed of the bootstrap weights when `[confidence]` gives none (any fixed number; recorded).
    public static let bootstrapSeed: UInt64 = 20

    /// methods.md, "Scores", MIS: Kraskov–Stögbauer–Grassberger with k = 3, as scikit-learn.
    public static let misNeighbours = 3
    /// methods.md, "Scores", MIS: `mis-hist` uses a 32 x 32 joint histogram.
    public static let misBins = 32
    /// methods.md, "Scores", MIS: the Miller–Madow correction is optional, off by default.
    public static let misMillerMadow = false

    /// methods.md, "Scores", IG: m = 50 steps.
    public static let igSteps = 50
    /// methods.md, "Scores", IG: right Riemann sum (Captum's `riemann_right`).
    public static let igMethod: ScanSpec.IGMethod = .riemannRight

    /// methods.md, "Decoders": TC-GRU is the default for regression.
    public static let decoder: ScanSpec.DecoderKind = .tcGRU

    /// methods.md, "Decoders": the sizes of each decoder when the spec does not give them.
    public static func decoderSizes(for kind: ScanSpec.DecoderKind) -> ScanSpec.Decoder {
        switch kind {
        case .tcGRU:
            // Conv1d (kernel 3, 256 channels) → dropout 0.2 → GRU 256 x 2 → Linear 128.
            return ScanSpec.Decoder(
                kind: .tcGRU, convChannels: 256, kernel: 3, gruUnits: 256, gruLayers: 2, ffUnits: 128, dropout: 0.2)
        case .gruFF:
            // Linear projection → GRU 64 x 1 → Linear 64 → dropout 0.5; no convolution.
            return ScanSpec.Decoder(
                kind: .gruFF, convChannels: 0, kernel: 0, gruUnits: 64, gruLayers: 1, ffUnits: 64, dropout: 0.5)
        }
    }

    /// Ours: three seeds give a mean and a spread at a cost a 2-core machine can carry.
    public static let seeds: [Int] = [1, 2, 3]
    /// methods.md, "Decoders", Training: at most 50 epochs.
    public static let epochs = 50
    /// methods.md, "Decoders", Training: batches of 64 utterances.
    public static let batchSize = 64
    /// methods.md, "Decoders", Training: Adam with learning rate 1e-3.
    public static let learningRate = 1e-3
    /// methods.md, "Decoders", Training: early stopping on the dev metric with patience 5.
    public static let patience = 5
    /// methods.md, "Decoders", Losses: 1 − CCC for regression, BCE for binary targets.
    public static let loss: ScanSpec.Loss = .auto
    /// methods.md, "Label variance": λ = 1.
    public static let varianceWeight = 1.0

    /// Ours: where a run writes its report when the spec does not say, relative to the output root.
    public static let outputDirectory = "runs/scan"
    /// Ours: 64 dimensions per MIS task keeps a task to seconds on the 384- to 1024-wide encoders we meet.
    public static let dimensionBlock = 64
    /// Ours: 512 utterances per statistics or IG task; big enough to amortise opening a shard.
    public static let utterancesPerTask = 512

    /// A layered scan trains selections across layers and in the best layer; per-layer cells (one per
    /// layer and ratio) are asked for explicitly, since they multiply the grid by L.
    public static let layerGrid: [ScanSpec.LayerScope] = [.cross, .best]
    /// Layers are ranked by the mean of their top 10 % of dimensions (see ``ScanSpec/LayerScore``).
    public static let layerScore = ScanSpec.LayerScore.topMean(0.1)
    /// Three epochs of a decoder per whole layer: enough to rank layers, a fraction of a full training.
    public static let layerProbeEpochs = 3
}
