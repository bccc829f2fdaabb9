extension ScanSpec {
    /// Grid cells `method` trains (each one model per seed and label-variance mode) when the scan reads
    /// `layers`: the one rule the planner's model count, the dry run and the report's "n of m models" share,
    /// so they cannot disagree.
    ///
    /// One layer: `full` is one cell, `random` and PCA one per ratio, a score method one per ratio and per
    /// threshold (`stable:π` only where the method has bootstrap replicates). Two or more layers: `full`
    /// adds the learned mix (layers of one width) and the probe (one cell per layer); a score method's
    /// ratios repeat for each `[layers] grid` scope (cross with the thresholds, best, and per layer); PCA is
    /// refused, so none.
    public func gridCells(of method: Method, layers: [ScanResults.LayerWidth]) -> Int {
        let ratios = selection.ratios.count
        let thresholds = selection.thresholds.filter {
            if case .stable = $0 { return carriesReplicates(method) } else { return true }
        }.count
        guard layers.count >= 2 else {
            switch method.traits.selection {
            case .full: return 1
            case .random, .components: return ratios
            case .scores: return ratios + thresholds
            }
        }
        let settings = layerSettings
        let grid = Set(settings.grid)
        switch method.traits.selection {
        case .full:
            let mix = settings.mix && Set(layers.map(\.dimension)).count == 1
            return 1 + (mix ? 1 : 0) + (settings.probeEpochs > 0 ? layers.count : 0)
        case .random: return ratios
        case .components: return 0
        case .scores:
            return (grid.contains(.cross) ? ratios + thresholds : 0) + (grid.contains(.best) ? ratios : 0)
                + (grid.contains(.perLayer) ? ratios * layers.count : 0)
        }
    }
}
