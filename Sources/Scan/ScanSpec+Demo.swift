extension ScanSpec {
    /// The README's main job: every method at three kept fractions, two seeds and a few epochs, small enough
    /// for the scan to finish in minutes on two cores (a smaller decoder than the paper's, same shape).
    public static func demo(datasetDirectory: String = "synthetic") -> ScanSpec {
        var spec = ScanSpec(datasetDirectory: datasetDirectory, name: "demo")
        spec.selection.methods = ScanSpec.Method.allCases
        spec.selection.ratios = [0.25, 0.5, 1.0]
        spec.selection.thresholds = [.mean]
        spec.decoder = ScanSpec.Decoder(
            kind: .tcGRU, convChannels: 32, kernel: 3, gruUnits: 32, gruLayers: 1, ffUnits: 32, dropout: 0.2)
        spec.training.seeds = [1, 2]
        spec.training.epochs = 4
        spec.training.patience = 2
        spec.ig.steps = 16
        spec.output.directory = "runs/demo"
        return spec
    }
}
