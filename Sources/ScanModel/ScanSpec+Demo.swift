extension ScanSpec {
    /// The README's main job: every method at three kept fractions, two seeds and a few epochs, small enough
    /// for the scan to finish in minutes on two cores (a smaller decoder than the paper's, same shape).
    /// Measured on the default synthetic dataset (2 cores): 4 epochs at batch 64 and lr 1e-3 left the
    /// full-width decoder at test CCC 0.28 (11 s); 12 epochs at batch 32 and lr 3e-3 reach 0.71, the
    /// selections 0.70-0.82 and random at a quarter 0.16 (20 s).
    public static func demo(datasetDirectory: String = "synthetic") -> ScanSpec {
        var spec = ScanSpec(datasetDirectory: datasetDirectory, name: "demo")
        spec.selection.methods = ScanSpec.Method.allCases
        spec.selection.ratios = [0.25, 0.5, 1.0]
        spec.selection.thresholds = [.mean]
        spec.decoder = ScanSpec.Decoder(
            kind: .tcGRU, convChannels: 32, kernel: 3, gruUnits: 32, gruLayers: 1, ffUnits: 32, dropout: 0.2)
        spec.training.seeds = [1, 2]
        spec.training.epochs = 12
        spec.training.batchSize = 32
        spec.training.learningRate = 3e-3
        spec.training.patience = 3
        spec.ig.steps = 16
        spec.output.directory = "runs/demo"
        return spec
    }
}
