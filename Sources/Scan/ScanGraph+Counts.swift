import Saliency

/// How many tasks and models the graph holds, known from the catalog alone (before any score): what the
/// results' phase totals, the dry run and the coordinator's whole-run ETA count.
extension ScanGraph {
    /// Statistics tasks: pass A and pass B pieces and KSG dimension blocks.
    public var statisticsTaskCount: Int {
        let pieces = utteranceRanges.count
        return (needsPassA ? pieces : 0) + (methods.any(\.histogramPass) ? pieces : 0)
            + (methods.any(\.dimensionBlocks) ? dimensionBlocks.count : 0)
    }

    /// IG tasks: one per utterance range when a method needs attribution.
    public var igTaskCount: Int { methods.any(\.attribution) ? utteranceRanges.count : 0 }

    /// Whether IG's baseline is a model of its own (the full-width cell of the first seed and mode, when
    /// `full` is not itself in the grid).
    public var trainsBaselineOnly: Bool {
        methods.any(\.attribution) && !methods.contains { $0.traits.selection == .full }
    }

    /// Models of the grid: one per cell, seed and label-variance mode, and the IG baseline when it is a
    /// model of its own.
    public var modelCount: Int {
        methods.reduce(0) { $0 + spec.gridCells(of: $1, layers: layers) } * modelsPerCell
            + (trainsBaselineOnly ? 1 : 0)
    }

    /// Models each cell trains: seeds x label-variance modes.
    public var modelsPerCell: Int { spec.training.seeds.count * catalog.labelVariance.count }

    /// Models that reuse another cell's model (``ScanPlanner/sharedTraining``): cells of every column (full,
    /// ratio 1.0 of any method but PCA's projection) and the IG baseline are one model per seed and mode.
    /// Threshold rules are counted as their own models (only the scores can tell whether one keeps every
    /// dimension).
    public var sharedModelCount: Int {
        // A layered scan's ratios are of one layer, so no ratio keeps every column.
        if isLayered { return 0 }
        let dimension = catalog.dataset.dimension
        var everyColumnCells = 0
        for method in methods {
            switch method.traits.selection {
            case .full: everyColumnCells += 1
            case .components: break
            case .random, .scores:
                everyColumnCells +=
                    spec.selection.ratios.filter { Selection.count(ratio: $0, dimensions: dimension) == dimension }
                    .count
            }
        }
        guard everyColumnCells > 0 else { return 0 }
        return everyColumnCells * modelsPerCell + (trainsBaselineOnly ? 1 : 0) - modelsPerCell
    }

    /// Train tasks the planner hands out: models less the shared ones.
    public var trainTaskCount: Int { modelCount - sharedModelCount }
}
