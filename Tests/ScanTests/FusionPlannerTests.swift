import Cluster
import Foundation
import Learn
import Logging
import Reports
import Shards
import TestSupport
import XCTest

@testable import Scan
@testable import ScanModel

/// A scan with `[fusion]` driven in-process with the real executors: fuse tasks come after their members'
/// models (also a member whose model another cell trains), every progress count knows them, and each fused
/// system's metrics equal Learn's fusion engine on the members' `salience predict` CSVs.
final class FusionPlannerTests: XCTestCase {
    func testFuseTasksFollowTheirMembersAndEqualFusingThePredictCSVs() throws {
        let scratch = try ScratchDirectory("salience-fusion-planner")
        defer { scratch.remove() }
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 120
        configuration.dimension = 10
        configuration.relevantDimensions = 4
        configuration.shards = 2
        try SyntheticDataset(configuration: configuration).write(to: scratch.path("syn"))

        var spec = ScanSpec(datasetDirectory: "syn", name: "fusion")
        spec.selection.methods = [.ccs, .full]
        spec.selection.ratios = [0.5, 1.0]
        spec.selection.thresholds = []
        spec.decoder = ScanSpec.Decoder(
            kind: .gruFF, convChannels: 0, kernel: 0, gruUnits: 3, gruLayers: 1, ffUnits: 3, dropout: 0)
        spec.training.seeds = [1, 2]
        spec.training.epochs = 2
        spec.training.labelVariance = [.off]
        spec.cluster.utterancesPerTask = 60
        spec.output.directory = scratch.path("out").path
        // ccs at ratio 1.0 keeps every column: its model is the full-width one (shared training).
        let members: [ScanSpec.Fusion.Member] = [
            .init(method: .ccs, rule: .ratio(1)), .init(method: .ccs, rule: .ratio(0.5)),
        ]
        spec.fusion = ScanSpec.Fusion(members: members, methods: [.mean, .learned])
        XCTAssertEqual(spec.validate(), [])

        let scan = try InProcessScan(spec: spec, root: scratch.url, runID: "f")
        let (phases, records, planner) = (scan.phases, scan.records, scan.planner)

        // Every fuse task runs in a later phase than the train tasks of its members' models.
        var trainedInPhase: [String: Int] = [:]
        var fuseTasks: [(phase: Int, body: FuseTask)] = []
        for (phase, tasks) in phases.enumerated() {
            for task in tasks where task.kind == ScanTaskKind.train {
                let body = try ScanCoding.decode(TrainTask.self, from: task.payload, what: "train")
                trainedInPhase[body.modelPath] = phase
            }
            for task in tasks where task.kind == ScanTaskKind.fuse {
                fuseTasks.append((phase, try ScanCoding.decode(FuseTask.self, from: task.payload, what: "fuse")))
            }
        }
        XCTAssertEqual(fuseTasks.count, 2 * 2)  // seeds x methods (one mode)
        for (phase, body) in fuseTasks {
            XCTAssertEqual(body.members.map(\.cell), members)
            for member in body.members {
                let trained = try XCTUnwrap(trainedInPhase[member.modelPath], "\(member.modelPath) never trained")
                XCTAssertLessThan(trained, phase, "\(body.key) ran before \(member.modelPath)")
            }
            // The shared member is served by the full-width model's file.
            XCTAssertEqual(body.members[0].modelPath, "models/full-full-seed\(body.seed)-off.h5")
        }

        let results = try ScanAssembly.results(
            try ScanProgress(records: records), runID: "f", status: .succeeded, failedTasks: [], finishedAt: nil)
        let fusions = try XCTUnwrap(results.fusions)
        XCTAssertEqual(fusions.map(\.method), [.mean, .mean, .learned, .learned])
        XCTAssertEqual(fusions.map(\.seed), [1, 2, 1, 2])
        let phase = try XCTUnwrap(results.run.phases.first { $0.name == "fusion" })
        XCTAssertEqual([phase.tasksDone, phase.tasksTotal], [4, 4])
        let group = try XCTUnwrap(planner.progressGroups(run: "f")?.first { $0.name == "fusion" })
        XCTAssertEqual([group.total], [4])
        XCTAssertEqual(group.kinds, [ScanTaskKind.fuse])
        let preview = try ScanPreview.make(spec: spec, dataRoot: DataRoot(scratch.url))
        XCTAssertEqual(preview.phases.first { $0.name == "fusion" }?.tasks, 4)
        XCTAssertEqual(
            preview.phases.first { $0.name == "grid" }?.tasks,
            phases.joined().filter { $0.kind == ScanTaskKind.train }.count)

        // Independently: each member model predicted to the CSV `salience predict` writes, read back as
        // `salience fuse` reads it, fused by the Learn engine; every metric equal to 1e-12.
        let data = scratch.path("syn")
        for system in fusions {
            var tables = [PredictionTable]()
            for (index, member) in members.enumerated() {
                let model = try XCTUnwrap(
                    results.models.first {
                        $0.method == member.method && $0.rule == member.rule && $0.seed == system.seed
                    })
                let trained = try Checkpoint.load(from: scratch.path("out").appendingPathComponent(model.modelPath!))
                let members = try TrainingData(
                    directory: data, selection: trained.selection, model: ("m", trained.datasetWidth))
                let csv = scratch.path("member-\(system.seed)-\(index).csv")
                let rows = trained.predictionRows(clean: members.clean, distorted: members.distorted)
                try PredictionTable.csv(header: trained.targets, rows: rows).write(
                    to: csv, atomically: true, encoding: .utf8)
                tables.append(try PredictionTable(contentsOf: csv))
            }
            let labels = try TrainingData(directory: data, selection: [0])
            let record = try LateFusion(members: tables, method: FusionMethod(rawValue: system.method.rawValue)!).run(
                clean: labels.clean, distorted: labels.distorted, targets: labels.catalog.targets,
                task: labels.catalog.task, dataset: "syn")
            let expected = record.metrics.compactMap(ScanResults.MetricValue.init)
            XCTAssertEqual(expected.map(\.key), system.metrics.map(\.key))
            XCTAssertGreaterThan(expected.count, 10)
            for (a, b) in zip(expected, system.metrics) {
                XCTAssertEqual(a.value, b.value, accuracy: 1e-12, "\(system.method) seed \(system.seed) \(a.key)")
            }
            XCTAssertEqual(record.weights.map(\.weights), system.weights.map(\.weights))
        }
        // The mean's weights are 1/2 each; the learned fit is not (so the methods really differ).
        XCTAssertEqual(fusions[0].weights[0].weights, [0.5, 0.5])
        XCTAssertNotEqual(fusions[2].weights[0].weights, [0.5, 0.5])

        // The report has the section, a table per mode, and writes (kept for a look when asked).
        let report = ScanReport(results: results)
        let html = report.html()
        XCTAssertTrue(html.contains("Late fusion"))
        XCTAssertTrue(html.contains("id=\"fusion-off\""))
        XCTAssertTrue(report.markdown().contains("fused, learned"))
        if let keep = ProcessInfo.processInfo.environment["SALIENCE_FUSION_REPORT"] {
            try report.write(to: URL(fileURLWithPath: keep))
        }
    }
}
