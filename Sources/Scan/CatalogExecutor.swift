import Cluster
import Foundation
import Shards

/// `scan.catalog`: reads every shard header of the spec's dataset, checks them against the format and the
/// spec against the dataset (targets and conditions it lacks, label variance without rater spread), and
/// returns the facts the planner cuts the work by. A bad dataset or a spec that does not fit fails here,
/// naming the file (or field) and the reason, before any statistics work is planned.
public struct CatalogExecutor: TaskExecutor {
    /// `scan.catalog`.
    public var kind: String { ScanTaskKind.catalog }

    /// The executor.
    public init() {}

    /// Validates and describes the dataset.
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        let body = try ScanCoding.decode(CatalogTask.self, from: task.payload, what: "scan.catalog task")
        return try ScanCoding.payload(
            try Self.describe(spec: body.spec, submittedAt: body.submittedAt, dataRoot: context.dataRoot))
    }

    /// The catalog facts of `spec`'s dataset under `dataRoot`, or the error naming what is wrong. The spec
    /// on its own was checked when the run was submitted (``ScanPlanner/firstPhase(of:submitted:)``); here
    /// it is checked against the dataset's headers.
    public static func describe(spec: ScanSpec, submittedAt: Date, dataRoot: DataRoot) throws -> CatalogResult {
        let directory = try dataRoot.resolve(spec.dataset.directory)
        // A shard that crashes libhdf5 would take the worker down, and each worker the task is retried on:
        // its headers are opened in a child process first, and such a file is refused by name.
        let crashes = ShardCrashProbe.problems(directory: directory)
        guard crashes.isEmpty else {
            throw ScanError.invalidDataset(directory: spec.dataset.directory, problems: crashes.map(\.description))
        }
        let catalog: DatasetCatalog
        do {
            // A layer the dataset lacks (or any layer but 0 of a version-1 dataset) is refused here.
            catalog = try DatasetCatalog(directory: directory).restricted(toLayers: spec.dataset.layers?.numbers)
        } catch let error as DatasetError {
            throw ScanError.invalidDataset(
                directory: spec.dataset.directory, problems: error.problems.map(\.description))
        }
        let facts = DatasetFacts(
            targets: catalog.targets, conditions: catalog.conditions, dimension: catalog.dimension,
            task: catalog.task.rawValue, hasRaterSpread: catalog.hasRaterSpread)
        let layers = catalog.layers?.map { ScanResults.LayerWidth(layer: $0.layer, dimension: $0.dimension) }
        let problems =
            spec.validate(against: facts) + layerProblems(spec, layers: layers)
            + memoryProblems(spec, catalog: catalog)
        guard problems.isEmpty else { throw ScanError.specDoesNotFit(problems: problems) }

        let targets = spec.dataset.targets.resolve(catalog.targets)
        let targetColumns = targets.compactMap { catalog.targets.firstIndex(of: $0) }
        let distorted = spec.dataset.conditions.resolve(
            catalog.conditions.filter { $0 != ShardFormat.cleanCondition })
        let clean = catalog.shards(condition: ShardFormat.cleanCondition)
        guard !clean.isEmpty else {
            throw ScanError.invalidDataset(directory: spec.dataset.directory, problems: ["no clean shard"])
        }
        let counts = ScanResults.SplitCounts(
            train: catalog.utteranceCount(split: .train), dev: catalog.utteranceCount(split: .dev),
            test: catalog.utteranceCount(split: .test))
        guard counts.train >= 2, counts.dev >= 1 else {
            throw ScanError.invalidDataset(
                directory: spec.dataset.directory,
                problems: ["needs clean train and dev utterances; has \(counts.train) train, \(counts.dev) dev"])
        }
        return CatalogResult(
            spec: spec, submittedAt: submittedAt,
            dataset: ScanResults.DatasetSummary(
                directory: spec.dataset.directory, task: catalog.task.rawValue, targets: targets,
                conditions: [ShardFormat.cleanCondition] + distorted, dimension: catalog.dimension,
                encoder: catalog.encoders.first, utterances: counts, layers: layers),
            targetColumns: targetColumns, binary: catalog.task == .binary, hasRaterSpread: catalog.hasRaterSpread,
            cleanShards: clean.map {
                ScanShard(
                    file: $0.file, utterances: $0.utterances, trainUtterances: $0.utterancesPerSplit["train"] ?? 0)
            },
            labelVariance: spec.training.resolvedLabelVariance(hasRaterSpread: catalog.hasRaterSpread))
    }

    /// A `training.memory_mib` that cannot hold one batch of the widest model (all D columns: the full
    /// decoder, IG's and PCA's read every column), refused with the numbers before any work is planned.
    static func memoryProblems(_ spec: ScanSpec, catalog: DatasetCatalog) -> [ScanSpecProblem] {
        guard let memory = spec.training.memoryMib else { return [] }
        let longest = catalog.longestUtterance
        let needed = spec.training.batchSize * longest * catalog.dimension * MemoryLayout<Float>.stride
        guard memory << 20 < needed else { return [] }
        return [
            ScanSpecProblem(
                "training.memory_mib",
                "\(memory) MiB cannot hold one batch: \(spec.training.batchSize) utterances x up to \(longest) frames x "
                    + "\(catalog.dimension) columns x 4 bytes = \((needed + (1 << 20) - 1) >> 20) MiB needed")
        ]
    }

    /// What a scan of several layers cannot do: PCA, whose covariance spans all L·D columns (one layer at a
    /// time it runs: `layers = [n]`).
    static func layerProblems(_ spec: ScanSpec, layers: [ScanResults.LayerWidth]?) -> [ScanSpecProblem] {
        guard let layers, layers.count >= 2 else { return [] }
        var problems: [ScanSpecProblem] = []
        if let index = spec.selection.methods.firstIndex(of: .pca) {
            let width = layers.reduce(0) { $0 + $1.dimension }
            problems.append(
                ScanSpecProblem(
                    "selection.methods[\(index)]",
                    "pca in a scan of \(layers.count) layers would need one \(width) x \(width) covariance of every "
                        + "(layer, dimension) column; score PCA one layer at a time (dataset.layers = [n]) or drop it"))
        }
        return problems
    }
}
