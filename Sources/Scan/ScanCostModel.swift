import Foundation
import Learn

/// How long a scan will take, from rates measured on a finished pilot scan (a small run of the same decoder on
/// the same kind of machine): the statistics pass's decoded bytes per task-second, and the seconds one
/// parameter costs per frame and epoch in training (per frame and step in IG). `salience scan SPEC --dry-run
/// --pilot DIR` applies them to the spec's grid on its dataset for the worker counts asked.
///
/// The model and what it leaves out: each phase's work is spread over min(workers, its tasks) slots, one task
/// per worker slot, phases one after another (a real scan overlaps them, so the sum is an upper bound); a
/// model trains the pilot's mean share of its maximum epochs (early stopping), at a cost proportional to
/// frames x parameters, plus the frame bytes it reads at the pilot's grid rate outside training (loading,
/// evaluation) (the GRU's sequential steps and BLAS sizes make that approximate, more so far from the
/// pilot's widths); reading is in the statistics rate, not modelled apart; the catalog and report take
/// seconds and are left out. docs/cost-model.md says how far it was off on a measured run.
public struct ScanCostModel: Sendable, Equatable, Codable {
    /// Decoded bytes the statistics pass handles per task-second (one worker slot).
    public var statisticsBytesPerSecond: Double
    /// Training seconds per (epoch x frame x parameter).
    public var secondsPerTrainingUnit: Double
    /// IG seconds per (frame x step x parameter), when the pilot ran IG.
    public var secondsPerAttributionUnit: Double?
    /// Epochs trained over the maximum, averaged over the pilot's models.
    public var epochShare: Double
    /// Frame bytes a grid task handles per second outside its training loop (reading the shards or the column
    /// cache, filling memory or the local frame file, evaluating every split and condition), when the pilot's
    /// grid phase says: its task-seconds beyond the models' training time over the bytes its models read. At
    /// 15 GB this was most of a grid task's time (docs/cost-model.md); nil for a pilot of an earlier build.
    public var gridBytesPerSecond: Double?

    /// What a pilot lacks to calibrate from.
    public struct PilotError: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "the pilot scan cannot calibrate the estimate: \(reason)" }
    }

    /// Rates from a finished pilot's results.
    public init(pilot: ScanResults) throws {
        let d = pilot.run.dataset.dimension
        guard let statistics = pilot.run.phase("statistics"), let bytes = statistics.bytesFromDataRoot,
            let seconds = statistics.taskSeconds, seconds > 0, bytes > 0
        else {
            throw PilotError(reason: "its statistics phase has no bytes and task seconds (a run of an earlier build?)")
        }
        statisticsBytesPerSecond = Double(bytes) / seconds
        var work = 0.0
        var trainingSeconds = 0.0
        var epochs = 0.0
        var counted = 0
        for model in pilot.models where !model.isShared {
            guard let root = model.bytesFromDataRoot else { continue }
            let read = Double(root + (model.bytesFromCache ?? 0))
            let width = model.method == .pca ? d : model.k
            let frames = read / Double(max(1, width) * MemoryLayout<Float>.stride)
            // PCA's projection (k x D weights) counts in its model size but is applied once per frame, not
            // trained: the training loop's work is the decoder's at width k (counting it made a pilot with PCA
            // look 3-7x cheaper per parameter than it was).
            let trained = model.method == .pca ? model.params - model.k * d : model.params
            work += Double(model.epochsTrained) * frames * Double(max(1, trained))
            trainingSeconds += model.secondsTotal
            epochs += Double(model.epochsTrained)
            counted += 1
        }
        guard counted > 0, work > 0 else { throw PilotError(reason: "no trained model says what it read") }
        secondsPerTrainingUnit = trainingSeconds / work
        let handled = pilot.models.filter { !$0.isShared }.reduce(0.0) {
            $0 + Double(($1.bytesFromDataRoot ?? 0) + ($1.bytesFromCache ?? 0))
        }
        if let grid = pilot.run.phase("grid"), let gridSeconds = grid.taskSeconds, gridSeconds > trainingSeconds,
            handled > 0
        {
            gridBytesPerSecond = handled / (gridSeconds - trainingSeconds)
        }
        epochShare = min(1, epochs / Double(counted) / Double(max(1, pilot.run.spec.training.epochs)))
        if let ig = pilot.run.phase("ig"), let igBytes = ig.bytesFromDataRoot, let igSeconds = ig.taskSeconds,
            let baseline = pilot.models.first(where: { $0.k == d && $0.method != .pca })
        {
            let frames = Double(igBytes) / Double(d * MemoryLayout<Float>.stride)
            let steps = Double(pilot.run.spec.ig.steps)
            secondsPerAttributionUnit = igSeconds / max(1, frames * steps * Double(baseline.params))
        }
    }

    /// Refuses a pilot that trained another kind of decoder than `spec`: seconds per parameter and frame
    /// belong to one kind (a convolution's cost per weight is not a GRU's), so carried across kinds the
    /// estimate would be off by an unknown factor.
    public static func checkApplies(_ pilot: ScanResults, to spec: ScanSpec) throws {
        let kind = pilot.run.spec.decoder.kind
        guard kind == spec.decoder.kind else {
            throw PilotError(
                reason: "it trained \(kind.rawValue) decoders and this spec trains \(spec.decoder.kind.rawValue); "
                    + "run a pilot with the spec's decoder")
        }
    }

    /// Parameters of the spec's decoder at input width `k` with `outputs` outputs (plus a PCA projection).
    static func parameters(_ spec: ScanSpec, k: Int, projectedFrom: Int?, outputs: Int) -> Int {
        let kind: DecoderConfig.Kind = spec.decoder.kind == .tcGRU ? .tcGRU : .gruFF
        var config = DecoderConfig.preset(kind, inputWidth: k, outputCount: outputs)
        TrainExecutor.adjust(&config, to: spec.decoder)
        return config.parameterCount + (projectedFrom.map { k * $0 } ?? 0)
    }

    /// Estimated seconds per phase (statistics, ig, grid) of `spec` as `preview` describes it, on `workers`
    /// worker slots.
    public func estimate(_ preview: ScanPreview, spec: ScanSpec, workers: Int) -> [(phase: String, seconds: Double)] {
        var out: [(String, Double)] = []
        func spread(_ total: Double, tasks: Int, longest: Double = 0) -> Double {
            max(total / Double(max(1, min(workers, tasks))), longest)
        }
        if let statistics = preview.phases.first(where: { $0.name == "statistics" }) {
            out.append(
                ("statistics", spread(statistics.bytes / statisticsBytesPerSecond, tasks: statistics.tasks)))
        }
        if let ig = preview.phases.first(where: { $0.name == "ig" }), let rate = secondsPerAttributionUnit {
            let params = Self.parameters(spec, k: preview.dimension, projectedFrom: nil, outputs: preview.targets)
            let total = preview.trainFrames * Double(spec.ig.steps) * Double(params) * rate
            out.append(("ig", spread(total, tasks: ig.tasks)))
        }
        let epochs = epochShare * Double(spec.training.epochs)
        var total = 0.0
        var longest = 0.0
        var models = 0
        for group in preview.trainedByWidth {
            let params = Self.parameters(
                spec, k: group.k, projectedFrom: nil, outputs: preview.targets)
            let width = Double(group.projected ? preview.dimension : group.k)
            let bytes = preview.gridFrames * width * Double(MemoryLayout<Float>.stride)
            let one =
                epochs * preview.gridFrames * Double(params) * secondsPerTrainingUnit
                + (gridBytesPerSecond.map { bytes / $0 } ?? 0)
            total += one * Double(group.models)
            longest = max(longest, one)
            models += group.models
        }
        out.append(("grid", spread(total, tasks: models, longest: longest)))
        return out
    }
}
