import Cluster
import Foundation
import Logging
import Shards
import TestSupport
import XCTest

@testable import Scan
@testable import ScanModel

/// Cells that ask for the same model (every column, same seed and mode: ratio 1.0 of any method, the full
/// width, IG's baseline) train it once; every such cell still has its model in the results, marked as shared,
/// and the dry run counts the trainings the planner hands out (issue 18, item 9).
final class SharedTrainingTests: XCTestCase {
    func testEveryColumnCellsTrainOnceAndEachCellStillHasItsModel() throws {
        let scratch = try ScratchDirectory("salience-shared")
        defer { scratch.remove() }
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 90
        configuration.dimension = 10
        configuration.relevantDimensions = 4
        configuration.shards = 1
        try SyntheticDataset(configuration: configuration).write(to: scratch.path("syn"))

        var spec = ScanSpec(datasetDirectory: "syn", name: "shared")
        spec.selection.methods = [.ccs, .random, .ig]  // no `full`: IG's baseline is trained on its own
        spec.selection.ratios = [0.5, 1.0]
        spec.selection.thresholds = []
        spec.decoder = ScanSpec.Decoder(
            kind: .gruFF, convChannels: 0, kernel: 0, gruUnits: 3, gruLayers: 1, ffUnits: 3, dropout: 0)
        spec.training.seeds = [1, 2]
        spec.training.epochs = 1
        spec.training.labelVariance = [.off]
        spec.ig.steps = 2
        spec.cluster.utterancesPerTask = 45
        spec.output.directory = scratch.path("out").path

        let context = TaskContext(
            dataRoot: DataRoot(scratch.url), outputRoot: OutputRoot(scratch.url), logger: Logger(label: "test"))
        let executors = Dictionary(uniqueKeysWithValues: ScanExecutors.all.map { ($0.kind, $0) })
        var records = [ScanRecord]()
        var trainedKeys = [String]()
        var next = [
            TaskSpec(
                kind: ScanTaskKind.catalog,
                payload: try ScanCoding.payload(CatalogTask(spec: spec, submittedAt: Date())))
        ]
        while !next.isEmpty, next.first?.kind != ScanTaskKind.report {
            for (index, task) in next.enumerated() {
                let executor = try XCTUnwrap(executors[task.kind], task.kind)
                let result = try executor.execute(
                    TaskInput(id: Int64(index), run: "r", phase: 0, kind: task.kind, payload: task.payload),
                    context: context)
                if task.kind == ScanTaskKind.train {
                    trainedKeys.append(try ScanCoding.decode(TrainTask.self, from: task.payload, what: "t").key)
                }
                records.append(ScanRecord(kind: task.kind, result: result))
            }
            next = try ScanPlanner.plan(try ScanProgress(records: records), runID: "r")
        }
        XCTAssertEqual(next.map(\.kind), [ScanTaskKind.report])
        XCTAssertEqual(Set(trainedKeys).count, trainedKeys.count, "no key trained twice")

        // Cells: ccs, random and ig at 0.5 and 1.0, 2 seeds each (12), and the baseline (full, seed 1): 13
        // models. Every-column models: one per seed (the baseline is seed 1's): 6 at 0.5 + 2 = 8 are trained.
        let results = try ScanAssembly.results(
            try ScanProgress(records: records), runID: "r", status: .succeeded, failedTasks: [], finishedAt: nil)
        XCTAssertEqual(results.models.count, 13)
        XCTAssertEqual(trainedKeys.count, 8, "\(trainedKeys)")
        let shared = results.models.filter(\.isShared)
        XCTAssertEqual(shared.count, 5)
        for model in shared {
            XCTAssertEqual(model.k, configuration.dimension, "only every-column cells share")
            let trainer = try XCTUnwrap(
                results.models.first {
                    !$0.isShared && "\($0.method.rawValue):\($0.rule)" == model.sameModelAs && $0.seed == model.seed
                }, "the trainer of \(model.method):\(model.rule) seed \(model.seed)")
            XCTAssertEqual(model.modelPath, trainer.modelPath)
            XCTAssertEqual(model.bytesFromDataRoot, 0, "a shared cell's reads are counted with its trainer")
        }
        // Sharing is right only if the cell's own training would have given the same model: train one
        // shared cell for real (its own task, as the planner would have sent it) and compare every metric.
        let progress = try ScanProgress(records: records)
        let graph = ScanGraph(catalog: try XCTUnwrap(progress.catalog))
        let pending = try ScanPlanner.pendingTasks(progress, graph: graph, scores: try progress.scores(graph))
        let alias = try XCTUnwrap(pending.ready.first { pending.aliases[$0.key] != nil && $0.key.contains(":ccs:") })
        var body = try ScanCoding.decode(TrainTask.self, from: alias.task.payload, what: "alias")
        body.outputDirectory = scratch.path("own").path
        let own = try TrainExecutor.train(
            body, arrays: alias.task.payload.arrays, dataRoot: DataRoot(scratch.url),
            outputRoot: OutputRoot(scratch.url))
        let served = try XCTUnwrap(
            shared.first { $0.method == body.method && $0.rule == body.rule && $0.seed == body.seed })
        XCTAssertEqual(own.metrics, served.metrics, "the shared model is the model the cell would have trained")
        for seed in [1, 2] {
            let everyColumn = results.models.filter { $0.seed == seed && $0.k == configuration.dimension }
            XCTAssertEqual(Set(everyColumn.map(\.modelPath)).count, 1, "seed \(seed): one file for every cell")
        }
        XCTAssertEqual(results.run.phase("grid")?.tasksDone, 13)
        XCTAssertEqual(results.run.phase("grid")?.tasksTotal, 13)

        let preview = try ScanPreview.make(spec: spec, dataRoot: DataRoot(scratch.url))
        XCTAssertEqual(preview.models, results.models.count)
        XCTAssertEqual(preview.trainings, trainedKeys.count)
        XCTAssertEqual(preview.phases.first { $0.name == "grid" }?.tasks, trainedKeys.count)
    }
}
