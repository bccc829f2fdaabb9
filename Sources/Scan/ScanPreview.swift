import Cluster
import Foundation
import Saliency
import Shards

/// What a scan would do, before it spends an allocation: its task graph on the real dataset's headers —
/// tasks per phase, the models of the grid per method and rule, and how much it reads from the data root
/// per phase (decoded float32 bytes). `salience scan SPEC --dry-run` prints it.
///
/// Reads only shard headers. Two figures are estimates and say so: threshold rules select a number of
/// dimensions that only the scores decide (counted here at half of D), and the statistics and IG passes
/// read the units that hold train frames (counted here as the train share of the clean frames).
public struct ScanPreview: Sendable {
    /// One phase of the graph.
    public struct Phase: Sendable {
        public var name: String
        public var tasks: Int
        /// Decoded bytes the phase reads from the data root.
        public var bytes: Double
    }

    /// The models one method trains.
    public struct MethodModels: Sendable {
        public var method: ScanSpec.Method
        /// Models per rule (over seeds and label-variance modes), in rule order.
        public var perRule: [(rule: String, models: Int)]
    }

    public var phases: [Phase]
    public var methods: [MethodModels]
    /// Label-variance modes and seeds each cell trains.
    public var modes: [ScanSpec.LabelVarianceMode]
    public var seeds: Int
    /// Decoded bytes of the dataset (every shard, every condition) and of its clean shards.
    public var datasetBytes: Double
    public var dimension: Int

    /// The models the grid trains, by input width k (shared ones left out): what the cost model weighs.
    public var trainedByWidth: [(k: Int, projected: Bool, models: Int)] = []
    /// Frames every model reads (kept shards, all splits and conditions), and the train frames of the clean
    /// shards (what the statistics and IG passes read).
    public var gridFrames = 0.0
    public var trainFrames = 0.0
    /// Targets of the dataset (a decoder's outputs).
    public var targets = 1

    /// Bytes of the widest trained model's frames (its columns of every kept shard, float32): what one training
    /// task keeps in a local file when its frames exceed the worker's memory per thread, so what a worker needs
    /// on local disk per model it trains at once. At 15 GB a column cache and two such files filled a VM's free
    /// disk and failed the scan at 93 % (ops/bench/README.md), which the dry run should have said.
    public var largestModelFrameBytes: Double {
        gridFrames * Double((trainedByWidth.map(\.k).max() ?? 0) * MemoryLayout<Float>.stride)
    }

    /// Every model of the grid (one per cell, seed and mode).
    public var models: Int { methods.reduce(0) { $0 + $1.perRule.reduce(0) { $0 + $1.models } } }
    /// Models actually trained: cells of every column (full, and ratio 1.0 of any method) share one model
    /// per seed and mode.
    public var trainings: Int

    /// The preview of `spec` on the dataset it names under `dataRoot`.
    /// - Throws: the catalog task's errors (a bad dataset, a spec that does not fit it) with their reasons.
    public static func make(spec: ScanSpec, dataRoot: DataRoot) throws -> ScanPreview {
        let catalog = try CatalogExecutor.describe(spec: spec, submittedAt: Date(), dataRoot: dataRoot)
        let shards = try DatasetCatalog(directory: dataRoot.resolve(spec.dataset.directory)).shards
        let graph = ScanGraph(catalog: catalog)
        let d = catalog.dataset.dimension
        let bytesPerFrame = Double(d * MemoryLayout<Float>.stride)
        let clean = shards.filter { $0.condition == ShardFormat.cleanCondition }
        let cleanFrames = Double(clean.reduce(0) { $0 + $1.frames })
        let cleanUtterances = Double(max(1, clean.reduce(0) { $0 + $1.utterances }))
        let trainShare = Double(clean.reduce(0) { $0 + ($1.utterancesPerSplit["train"] ?? 0) }) / cleanUtterances
        let kept = Set(catalog.dataset.conditions)
        let gridFrames = Double(shards.filter { kept.contains($0.condition) }.reduce(0) { $0 + $1.frames })
        let methods = graph.methods
        let pieces = graph.utteranceRanges.count

        var phases = [Phase(name: "catalog", tasks: 1, bytes: 0)]
        var statisticsTasks = 0
        var statisticsBytes = 0.0
        if graph.needsPassA {
            statisticsTasks += pieces
            statisticsBytes += cleanFrames * trainShare * bytesPerFrame
        }
        if methods.any(\.histogramPass) {
            statisticsTasks += pieces
            statisticsBytes += cleanFrames * trainShare * bytesPerFrame
        }
        if methods.any(\.dimensionBlocks) {
            statisticsTasks += graph.dimensionBlocks.count
            // From pass A's pooled rows, KSG reads no frames.
            if !graph.ksgReadsPooledRows { statisticsBytes += cleanFrames * trainShare * bytesPerFrame }
        }
        if statisticsTasks > 0 {
            phases.append(Phase(name: "statistics", tasks: statisticsTasks, bytes: statisticsBytes))
        }
        if methods.any(\.attribution) {
            phases.append(Phase(name: "ig", tasks: pieces, bytes: cleanFrames * trainShare * bytesPerFrame))
        }

        let spec = catalog.spec
        let perCell = spec.training.seeds.count * catalog.labelVariance.count
        var models: [MethodModels] = []
        var gridBytes = 0.0
        // Cells of every column (full, ratio 1.0 of any method but PCA's projection) are one model per seed and
        // mode: the first trains it, the others reuse it (the planner's shared training).
        var everyColumnTrained = false
        var shared = 0
        var trained: [(k: Int, projected: Bool, models: Int)] = []
        func add(_ method: ScanSpec.Method, rule: String, k: Int, cells: Int = 1) {
            let count = cells * perCell
            // A layered scan shares no training (its ratios are of one layer; `mix` reads every column its own way).
            let reuses = k == d && method.traits.selection != .components && everyColumnTrained && !graph.isLayered
            if k == d && method.traits.selection != .components { everyColumnTrained = true }
            if reuses { shared += count } else { trained.append((k, method.traits.selection == .components, count)) }
            let label = reuses ? rule + " (shared)" : rule
            if let index = models.firstIndex(where: { $0.method == method }) {
                models[index].perRule.append((label, count))
            } else {
                models.append(MethodModels(method: method, perRule: [(label, count)]))
            }
            // Every model trained reads its k columns of every kept shard (all splits and conditions).
            if !reuses { gridBytes += Double(count) * gridFrames * Double(k * MemoryLayout<Float>.stride) }
        }
        if graph.isLayered {
            addLayeredCells(graph, add)
        } else {
            addCells(spec, d: d, add)
        }
        // IG's baseline is the full-width cell of the first seed and mode, trained once when `full` is not asked.
        // (It trains first, so a method's every-column cell of that seed and mode reuses it instead.)
        if methods.any(\.attribution) && !methods.contains(where: { $0.traits.selection == .full }) {
            models.append(MethodModels(method: .full, perRule: [("IG baseline", 1)]))
            if everyColumnTrained {
                shared += 1
            } else {
                gridBytes += gridFrames * Double(d * MemoryLayout<Float>.stride)
                trained.append((d, false, 1))
            }
        }
        let total = models.reduce(0) { $0 + $1.perRule.reduce(0) { $0 + $1.models } }
        phases.append(Phase(name: "grid", tasks: total - shared, bytes: gridBytes))
        let fuseTasks = ScanGraph(catalog: catalog).fuseTaskCount
        if let fusion = spec.fusion, fuseTasks > 0 {
            // Each fuse task reads every member's columns of every kept shard (each model predicts them all).
            let memberColumns = fusion.members.reduce(0) { sum, member in
                sum + (member.rule.ratio.map { Selection.count(ratio: $0, dimensions: d) } ?? d)
            }
            phases.append(
                Phase(
                    name: "fusion", tasks: fuseTasks,
                    bytes: Double(fuseTasks) * gridFrames * Double(memberColumns * MemoryLayout<Float>.stride)))
        }
        phases.append(Phase(name: "report", tasks: 1, bytes: 0))
        var preview = ScanPreview(
            phases: phases, methods: models, modes: catalog.labelVariance, seeds: spec.training.seeds.count,
            datasetBytes: Double(shards.reduce(0) { $0 + $1.frames }) * bytesPerFrame, dimension: d,
            trainings: total - shared)
        preview.trainedByWidth = trained
        preview.gridFrames = gridFrames
        preview.trainFrames = cleanFrames * trainShare
        preview.targets = max(1, catalog.targetColumns.count)
        return preview
    }

    /// The preview as the lines `salience scan --dry-run` prints.
    public var text: String {
        func size(_ bytes: Double) -> String {
            bytes >= 1e9 ? String(format: "%.2f GB", bytes / 1e9) : String(format: "%.1f MB", bytes / 1e6)
        }
        var lines = [
            "dataset: D = \(dimension), \(size(datasetBytes)) of frames (decoded float32, every shard)",
            "grid: \(models) models (\(seeds) seed(s) x \(modes.map(\.rawValue).joined(separator: ", "))), "
                + "\(trainings) trained (cells of every column share one model per seed and mode)",
        ]
        for method in methods {
            lines.append(
                "  \(method.method.rawValue): "
                    + method.perRule.map { "\($0.rule) x\($0.models)" }.joined(separator: ", "))
        }
        lines.append("phases (tasks, data read from the data root):")
        for phase in phases {
            lines.append(
                "  \(phase.name): \(phase.tasks) task(s), \(phase.bytes > 0 ? size(phase.bytes) : "headers only")")
        }
        if largestModelFrameBytes > 0 {
            lines.append(
                "local disk per worker: up to \(size(largestModelFrameBytes)) for each model it trains at once whose "
                    + "frames exceed its --memory per thread (kept in a local file), plus \(size(datasetBytes)) for "
                    + "a --cache-dir column cache")
        }
        lines.append(
            "estimates: thresholds counted at k = D/2; the statistics and IG passes at the train share of the "
                + "clean frames; the grid as every model reading its columns of every kept shard")
        return lines.joined(separator: "\n")
    }
}

extension ScanPreview {
    /// The grid cells of a one-layer scan, in the planner's order, given to `add` (method, rule, k, cells).
    static func addCells(
        _ spec: ScanSpec, d: Int, _ add: (ScanSpec.Method, String, Int, Int) -> Void
    ) {
        for method in spec.selection.methods {
            switch method.traits.selection {
            case .full: add(method, "full", d, 1)
            case .random, .components:
                for ratio in spec.selection.ratios {
                    add(method, "\(ratio)", Selection.count(ratio: ratio, dimensions: d), 1)
                }
            case .scores:
                for ratio in spec.selection.ratios {
                    add(method, "\(ratio)", Selection.count(ratio: ratio, dimensions: d), 1)
                }
                for threshold in spec.selection.thresholds {
                    if case .stable = threshold, !spec.carriesReplicates(method) { continue }
                    add(method, threshold.description, d / 2, 1)
                }
            }
        }
    }

    /// The grid cells of a layered scan (`ScanGraph+Layers`): `full` with the mix and the probe, and per score
    /// method the top k across layers with the thresholds, in the best layer and in each layer, k = ⌊ratio ·
    /// D̄⌋ of one layer's width. Their count per method is ``ScanSpec/gridCells(of:layers:)``.
    static func addLayeredCells(_ graph: ScanGraph, _ add: (ScanSpec.Method, String, Int, Int) -> Void) {
        let spec = graph.spec
        let grid = Set(spec.layerSettings.grid)
        let layers = graph.layers.count
        for method in spec.selection.methods {
            switch method.traits.selection {
            case .full:
                add(method, "full", graph.dimension, 1)
                if graph.trainsMix { add(method, "mix", graph.dimension, 1) }
                if graph.trainsProbe { add(method, "layerN/full (probe)", graph.ratioWidth, layers) }
            case .random:
                for ratio in spec.selection.ratios {
                    add(method, "\(ratio)", Selection.count(ratio: ratio, dimensions: graph.ratioWidth), 1)
                }
            case .components: break
            case .scores:
                for ratio in spec.selection.ratios {
                    let k = Selection.count(ratio: ratio, dimensions: graph.ratioWidth)
                    if grid.contains(.cross) { add(method, "\(ratio) across layers", k, 1) }
                    if grid.contains(.best) { add(method, "best-layer/\(ratio)", k, 1) }
                    if grid.contains(.perLayer) { add(method, "layerN/\(ratio)", k, layers) }
                }
                if grid.contains(.cross) {
                    for threshold in spec.selection.thresholds {
                        if case .stable = threshold, !spec.carriesReplicates(method) { continue }
                        add(method, threshold.description, graph.dimension / 2, 1)
                    }
                }
            }
        }
    }
}
