import Foundation
import XCTest

@testable import Scan
@testable import ScanModel

/// The cost model's arithmetic on a hand-made pilot: rates recovered exactly from the pilot's figures, and
/// an estimate that scales as the model says (frames, parameters, epochs, workers).
final class ScanCostModelTests: XCTestCase {
    private func pilot() -> ScanResults {
        var spec = ScanSpec(datasetDirectory: "syn", name: "pilot")
        spec.training.epochs = 10
        spec.ig.steps = 8
        let dataset = ScanResults.DatasetSummary(
            directory: "syn", task: "regression", targets: ["t"], conditions: ["clean"], dimension: 16)
        var statistics = ScanResults.Phase(
            name: "statistics", state: .done, tasksDone: 4, tasksTotal: 4, taskSeconds: 2)
        statistics.bytesFromDataRoot = 8_000_000
        var ig = ScanResults.Phase(name: "ig", state: .done, tasksDone: 2, tasksTotal: 2, taskSeconds: 30)
        ig.bytesFromDataRoot = 1000 * 16 * 4  // 1,000 train frames at D = 16
        let run = ScanResults.Run(
            id: "r", spec: spec, dataset: dataset, startedAt: Date(), finishedAt: Date(), status: .succeeded,
            phases: [statistics, ig], failedTasks: [])
        func model(k: Int, method: ScanSpec.Method, params: Int, seconds: Double, epochs: Int) -> TrainedModelResult {
            var model = TrainedModelResult(
                method: method, rule: .ratio(Double(k) / 16), k: k, seed: 1, labelVariance: .off, decoder: .gruFF,
                metrics: [], params: params, paramsRatio: 1, secondsToBest: seconds, secondsTotal: seconds,
                bestEpoch: epochs, epochsTrained: epochs)
            model.bytesFromDataRoot = 2000 * k * 4  // 2,000 frames of its k columns
            return model
        }
        let full = model(k: 16, method: .full, params: 500, seconds: 40, epochs: 4)
        let ccs = model(k: 8, method: .ccs, params: 300, seconds: 12, epochs: 6)
        var shared = full
        shared.method = .ccs
        shared.sameModelAs = "full:full"
        return ScanResults(run: run, models: [full, ccs, shared])
    }

    func testRatesComeFromThePilotsFigures() throws {
        let model = try ScanCostModel(pilot: pilot())
        XCTAssertEqual(model.statisticsBytesPerSecond, 4_000_000, accuracy: 1e-6)
        // Work: 4 epochs x 2,000 frames x 500 + 6 x 2,000 x 300 = 7.6e6 units for 52 s (the shared cell once).
        XCTAssertEqual(model.secondsPerTrainingUnit, 52 / 7.6e6, accuracy: 1e-15)
        XCTAssertEqual(model.epochShare, 0.5, accuracy: 1e-12)
        // IG: 30 s for 1,000 frames x 8 steps x the full model's 500 parameters.
        XCTAssertEqual(try XCTUnwrap(model.secondsPerAttributionUnit), 30 / 4e6, accuracy: 1e-15)
    }

    func testEstimatesScaleWithWorkAndWorkers() throws {
        let model = try ScanCostModel(pilot: pilot())
        var spec = pilot().run.spec
        spec.training.epochs = 20
        var preview = ScanPreview(
            phases: [.init(name: "statistics", tasks: 40, bytes: 4e9), .init(name: "ig", tasks: 40, bytes: 0)],
            methods: [], modes: [.off], seeds: 1, datasetBytes: 0, dimension: 16, trainings: 10)
        preview.trainedByWidth = [(k: 8, projected: false, models: 10)]
        preview.gridFrames = 1e5
        preview.trainFrames = 5e4
        preview.targets = 1
        let params = ScanCostModel.parameters(spec, k: 8, projectedFrom: nil, outputs: 1)
        let one = 0.5 * 20 * 1e5 * Double(params) * model.secondsPerTrainingUnit
        for workers in [1, 4, 10, 64] {
            let phases = Dictionary(
                uniqueKeysWithValues: model.estimate(preview, spec: spec, workers: workers).map {
                    ($0.phase, $0.seconds)
                })
            XCTAssertEqual(try XCTUnwrap(phases["statistics"]), 1000 / Double(min(workers, 40)), accuracy: 1e-9)
            // Ten models: never faster than one model, however many workers.
            XCTAssertEqual(try XCTUnwrap(phases["grid"]), 10 * one / Double(min(workers, 10)), accuracy: 1e-6 * one)
            let igParams = ScanCostModel.parameters(spec, k: 16, projectedFrom: nil, outputs: 1)
            XCTAssertEqual(
                try XCTUnwrap(phases["ig"]),
                5e4 * 8 * Double(igParams) * (model.secondsPerAttributionUnit ?? .nan) / Double(min(workers, 40)),
                accuracy: 1e-9)
        }
    }

    /// A grid phase that took longer than its models' training: the rest is handling their bytes, and an
    /// estimate adds each model's bytes at that rate.
    func testGridTimeBeyondTrainingIsChargedPerByteRead() throws {
        var results = pilot()
        XCTAssertNil(try ScanCostModel(pilot: results).gridBytesPerSecond, "no grid phase, no rate")
        // 52 s of training inside 72 task-seconds: 20 s for the 2,000 x (16 + 8) x 4 bytes the two models read.
        results.run.phases.append(
            ScanResults.Phase(name: "grid", state: .done, tasksDone: 2, tasksTotal: 2, taskSeconds: 72))
        let model = try ScanCostModel(pilot: results)
        XCTAssertEqual(try XCTUnwrap(model.gridBytesPerSecond), 192_000 / 20, accuracy: 1e-9)
        var spec = results.run.spec
        spec.training.epochs = 20
        var preview = ScanPreview(
            phases: [], methods: [], modes: [.off], seeds: 1, datasetBytes: 0, dimension: 16, trainings: 3)
        preview.trainedByWidth = [(k: 8, projected: false, models: 2), (k: 4, projected: true, models: 1)]
        preview.gridFrames = 1e5
        preview.targets = 1
        let unit = 0.5 * 20 * 1e5 * model.secondsPerTrainingUnit
        let selected = Double(ScanCostModel.parameters(spec, k: 8, projectedFrom: nil, outputs: 1))
        // PCA's projection is applied, not trained: its model trains at the decoder's size for k = 4.
        let projected = Double(ScanCostModel.parameters(spec, k: 4, projectedFrom: nil, outputs: 1))
        let training: Double = 2 * selected * unit + projected * unit
        // Bytes: two models of 8 columns, and PCA's projection reads all 16.
        let bytes: Double = (2 * 8 + 16) * 1e5 * 4
        let reading: Double = bytes / (192_000.0 / 20)
        let grid = try XCTUnwrap(model.estimate(preview, spec: spec, workers: 1).first { $0.phase == "grid" })
        XCTAssertEqual(grid.seconds, training + reading, accuracy: 1e-6 * (training + reading))
    }

    /// A PCA model's size counts its k x D projection, which training does not touch: the rate is calibrated
    /// on its decoder's parameters alone.
    func testAPilotsPCAModelIsCalibratedOnItsDecoder() throws {
        var results = pilot()
        var pca = results.models[1]
        pca.method = .pca
        pca.params = 300 + 8 * 16  // the decoder's 300 and the 8 x 16 projection
        pca.bytesFromDataRoot = 2000 * 16 * 4  // it reads all D = 16 columns of 2,000 frames
        results.models[1] = pca
        // The same work as the ccs model it replaced: 4 x 2,000 x 500 + 6 x 2,000 x 300 units for 52 s.
        XCTAssertEqual(try ScanCostModel(pilot: results).secondsPerTrainingUnit, 52 / 7.6e6, accuracy: 1e-15)
    }

    func testAPilotWithoutBytesIsRefusedWithTheReason() {
        var results = pilot()
        results.run.phases = []
        XCTAssertThrowsError(try ScanCostModel(pilot: results)) { error in
            XCTAssertTrue("\(error)".contains("statistics phase"), "\(error)")
        }
    }

    func testAPilotOfAnotherDecoderKindIsRefused() throws {
        let results = pilot()
        var spec = results.run.spec
        XCTAssertNoThrow(try ScanCostModel.checkApplies(results, to: spec))
        spec.decoder.kind = spec.decoder.kind == .gruFF ? .tcGRU : .gruFF
        XCTAssertThrowsError(try ScanCostModel.checkApplies(results, to: spec)) { error in
            XCTAssertTrue("\(error)".contains("run a pilot with the spec's decoder"), "\(error)")
        }
    }
}
