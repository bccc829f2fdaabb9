import Foundation
import Numerics
import ScanModel

/// Normal draws for the fixture, from the deterministic SplitMix64 stream (the same on every machine).
extension SplitMix64 {
    /// A standard normal draw (Box–Muller).
    mutating func normal() -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
        let v = Double.random(in: 0..<1, using: &self)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
}

// Shared by ReportsTests and SalienceCLITests (a test-support target, as swift-collections' own).

/// A realistic, seeded `ScanResults`: a finished scan over every method on a 2-target regression dataset with
/// two distorted conditions, three seeds and both label-variance modes — or, with `inProgress`, the same scan
/// caught while IG and the grid still run.
public enum ScanResultsFixture {
    public static let dimension = 96
    public static let targets = ["valence", "arousal"]
    public static let conditions = ["clean", "babble-snr5", "reverb-t60"]
    public static let seeds = [1, 2, 3]
    public static let start = Date(timeIntervalSince1970: 1_795_000_000)

    public static var spec: ScanSpec {
        var spec = ScanSpec(datasetDirectory: "synthetic-regression", name: "fixture <scan> & \"friends\"")
        spec.selection.methods = ScanSpec.Method.allCases
        spec.selection.ratios = [0.1, 0.25, 0.5, 1.0]
        spec.selection.thresholds = [.mean, .percentile(75)]
        spec.training.seeds = seeds
        spec.training.labelVariance = [.stdAux, .off]
        spec.decoder = ScanSpec.Decoder(
            kind: .tcGRU, convChannels: 64, kernel: 3, gruUnits: 64, gruLayers: 1, ffUnits: 32, dropout: 0.2)
        return spec
    }

    /// TC-GRU parameter count on k inputs with the fixture's sizes (conv, one GRU layer, FF, 2T heads).
    public static func decoderParams(inputs k: Int, labelVariance: ScanSpec.LabelVarianceMode) -> Int {
        let channels = 64
        let units = 64
        let ff = 32
        let outputs = targets.count * (labelVariance == .stdAux ? 2 : 1)
        let conv = k * channels * 3 + channels
        let gru = 3 * (channels * units + units * units + 2 * units)
        return conv + gru + (units * ff + ff) + (ff * outputs + outputs)
    }

    /// The finished scan, made once per test process.
    public static let finished = make()
    /// The scan caught in progress, made once per test process.
    public static let running = make(inProgress: true)

    public static func make(seed: UInt64 = 7, inProgress: Bool = false) -> ScanResults {
        var rng = SplitMix64(state: seed)
        var curveRNG = SplitMix64(state: seed &+ 0x5EED)
        let spec = spec
        let d = dimension

        // Score curves: a few strongly salient dimensions, a long tail, noise.
        var curves: [ScanResults.ScoreCurve] = []
        let salience = (0..<d).map { _ in pow(Double.random(in: 0..<1, using: &rng), 3) }
        func curve(_ method: ScanSpec.Method, _ quantity: String, scale: Double, spread: Double?, across: String?)
            -> ScanResults.ScoreCurve
        {
            let mean = salience.map { max(0, scale * ($0 + 0.08 * rng.normal())) }
            let std = spread.map { s in mean.map { $0 * s * (0.6 + 0.4 * Double.random(in: 0..<1, using: &rng)) } }
            // Two targets at mean ± std: their average is `mean` and their population spread `std`, as the scan's.
            let perTarget = std.flatMap { std in
                across == "targets"
                    ? [
                        ScanResults.TargetScores(target: targets[0], scores: zip(mean, std).map { $0 + $1 }),
                        ScanResults.TargetScores(target: targets[1], scores: zip(mean, std).map { $0 - $1 }),
                    ] : nil
            }
            return ScanResults.ScoreCurve(
                method: method, quantity: quantity, mean: mean, std: std, stdAcross: across, perTarget: perTarget)
        }
        curves.append(curve(.ccs, "mean |r| over targets", scale: 0.45, spread: 0.3, across: "targets"))
        curves.append(curve(.mis, "MI (nats), KSG k = 3", scale: 0.2, spread: 0.25, across: "targets"))
        curves.append(curve(.misHist, "MI (nats), 32 x 32 histogram", scale: 0.25, spread: 0.25, across: "targets"))
        let eigen = (0..<d).map { 3.0 * exp(-Double($0) / 12) + 0.01 }
        curves.append(ScanResults.ScoreCurve(method: .pca, quantity: "explained variance", mean: eigen))
        if !inProgress {
            var ig = curve(.ig, "mean |IG| over train utterances", scale: 0.02, spread: 1.1, across: "utterances")
            ig.signedMean = ig.mean.map { $0 * (Double.random(in: 0..<1, using: &rng) - 0.3) }
            curves.append(ig)
        }

        // Selections and models.
        var selections: [ScanResults.Selection] = []
        var models: [TrainedModelResult] = []
        let quality: [ScanSpec.Method: Double] = [
            .ccs: 6, .mis: 5, .misHist: 4, .pca: 8, .ig: 7, .random: 1.5, .full: 1,
        ]
        let fullParams = [
            ScanSpec.LabelVarianceMode.stdAux: decoderParams(inputs: d, labelVariance: .stdAux),
            .off: decoderParams(inputs: d, labelVariance: .off),
        ]
        let methods: [ScanSpec.Method] = inProgress ? [.ccs, .random, .full] : ScanSpec.Method.allCases
        for method in methods {
            var rules: [ScanResults.SelectionRule] = []
            if method == .full {
                rules = [.full]
            } else {
                rules = spec.selection.ratios.map { .ratio($0) }
                if method.takesThresholds { rules += spec.selection.thresholds.map { .threshold($0) } }
            }
            for rule in rules {
                let k: Int
                switch rule {
                case .ratio(let r): k = max(1, Int((r * Double(d)).rounded(.down)))
                case .threshold(.mean): k = d / 3
                case .threshold: k = d / 4
                case .full, .mix, .inLayer, .bestLayer: k = d
                }
                let fraction = Double(k) / Double(d)
                if let curve = curves.first(where: { $0.method == method }), method != .pca {
                    selections.append(
                        ScanResults.Selection(
                            method: method, rule: rule, k: k, indices: curve.ranking.prefix(k).sorted()))
                } else if method == .pca {
                    selections.append(ScanResults.Selection(method: .pca, rule: rule, k: k, indices: Array(0..<k)))
                } else if method == .full {
                    selections.append(ScanResults.Selection(method: .full, rule: .full, k: d, indices: Array(0..<d)))
                }
                for seed in seeds {
                    if method == .random {
                        var pick = SplitMix64(state: UInt64(seed * 1000 + k))
                        let indices = Array((0..<d).shuffled(using: &pick).prefix(k)).sorted()
                        selections.append(
                            ScanResults.Selection(method: .random, rule: rule, seed: seed, k: k, indices: indices))
                    }
                    for mode in [ScanSpec.LabelVarianceMode.stdAux, .off] {
                        // Saturating quality in the kept fraction; label variance helps a little.
                        let rate = quality[method] ?? 1
                        let base = 0.62 * (1 - exp(-rate * fraction)) / (1 - exp(-rate)) + (mode == .stdAux ? 0.015 : 0)
                        var metrics: [ScanResults.MetricValue] = []
                        for split in [ScanResults.Split.dev, .test] {
                            let splitShift = split == .dev ? 0.02 : 0
                            for condition in conditions {
                                let hit = condition == "clean" ? 0 : (condition == "babble-snr5" ? 0.09 : 0.05)
                                var cccs: [Double] = []
                                var pearsons: [Double] = []
                                var mses: [Double] = []
                                for (t, target) in targets.enumerated() {
                                    let ccc = base + splitShift - hit - 0.06 * Double(t) + 0.015 * rng.normal()
                                    let pearson = ccc + 0.04 + 0.01 * rng.normal()
                                    let mse = 0.9 - ccc + 0.02 * rng.normal()
                                    cccs.append(ccc)
                                    pearsons.append(pearson)
                                    mses.append(mse)
                                    let utterances = condition == "clean" ? nil : condition
                                    for (metric, value) in [
                                        (ScanResults.Metric.ccc, ccc), (.pearson, pearson), (.mse, mse),
                                    ] where condition == "clean" || metric == .ccc {
                                        metrics.append(
                                            .init(
                                                .init(
                                                    split: split, condition: condition, utterances: utterances,
                                                    target: target, metric: metric), value))
                                    }
                                    if condition != "clean" {
                                        // Clean on the distorted condition's utterances (a subset of the split).
                                        let cleanOnSubset = base + splitShift - 0.06 * Double(t) + 0.01 * rng.normal()
                                        metrics.append(
                                            .init(
                                                .init(
                                                    split: split, condition: "clean", utterances: condition,
                                                    target: target, metric: .ccc), cleanOnSubset))
                                    }
                                }
                                let utterances = condition == "clean" ? nil : condition
                                for (metric, values) in [
                                    (ScanResults.Metric.ccc, cccs), (.pearson, pearsons), (.mse, mses),
                                ] where condition == "clean" || metric == .ccc {
                                    metrics.append(
                                        .init(
                                            .init(
                                                split: split, condition: condition, utterances: utterances,
                                                metric: metric),
                                            values.reduce(0, +) / Double(values.count)))
                                }
                                if condition != "clean" {
                                    let subset = metrics.filter {
                                        $0.key.condition == "clean" && $0.key.utterances == condition
                                            && $0.key.split == split && $0.key.target != nil
                                    }.map(\.value)
                                    metrics.append(
                                        .init(
                                            .init(
                                                split: split, condition: "clean", utterances: condition, metric: .ccc),
                                            subset.reduce(0, +) / Double(subset.count)))
                                }
                            }
                        }
                        var params = decoderParams(inputs: k, labelVariance: mode)
                        if method == .pca { params += d * k }
                        let seconds = 8 + Double(params) / 4000 * (1 + 0.1 * rng.normal())
                        let bestEpoch = Int.random(in: 6...18, using: &rng)
                        // About one model in eight still improves at its last epoch (not converged); drawn from
                        // its own stream so the metrics above stay what they were.
                        let converged = Double.random(in: 0..<1, using: &curveRNG) >= 0.125
                        let epochs = converged ? min(bestEpoch + 5, 50) : bestEpoch
                        let best = metrics.first { $0.key == .init(split: .dev, metric: .ccc) }?.value ?? 0.5
                        let curve = (1...epochs).map { epoch -> EpochPoint in
                            let e = Double(epoch)
                            // Rises to `best` at bestEpoch, then sags a little; the loss falls throughout.
                            let dev =
                                best - 0.3 * pow(Double(bestEpoch - min(epoch, bestEpoch)) / Double(bestEpoch), 2)
                                - 0.004 * Double(max(0, epoch - bestEpoch))
                            return EpochPoint(
                                epoch: epoch, trainLoss: 0.35 + 0.6 * exp(-e / 4) + 0.01 * curveRNG.normal(),
                                devMetric: epoch == bestEpoch ? best : dev - 0.001 - 0.002 * abs(curveRNG.normal()),
                                learningRate: epoch > bestEpoch + 2 ? 0.0005 : 0.001)
                        }
                        models.append(
                            TrainedModelResult(
                                taskId: "grid-\(method.rawValue)-\(rule)-\(seed)-\(mode.rawValue)", method: method,
                                rule: rule, k: k, seed: seed, labelVariance: mode, decoder: .tcGRU, metrics: metrics,
                                params: params, paramsRatio: Double(params) / Double(fullParams[mode] ?? params),
                                secondsToBest: (seconds * Double(bestEpoch) / Double(epochs) * 1000).rounded() / 1000,
                                secondsTotal: (seconds * 1000).rounded() / 1000, bestEpoch: bestEpoch,
                                epochsTrained: epochs,
                                modelPath: "models/\(method.rawValue)/\(rule)/seed\(seed)-\(mode.rawValue).h5"))
                        models[models.count - 1].learningCurve = curve
                    }
                }
            }
        }

        let phaseNames = ["statistics", "scores", "baseline", "ig", "selections", "grid", "report"]
        var phases: [ScanResults.Phase] = []
        var clock = start
        for (index, name) in phaseNames.enumerated() {
            let seconds = [42.0, 3, 61, 95, 1, 540, 2][index]
            let tasks = [24, 1, 2, 16, 1, models.count, 1][index]
            var state = ScanResults.PhaseState.done
            if inProgress && index >= 3 { state = index == 3 || index == 5 ? .running : .pending }
            let done = state == .done ? tasks : (state == .running ? tasks / 2 : 0)
            phases.append(
                ScanResults.Phase(
                    name: name, state: state, startedAt: state == .pending ? nil : clock,
                    finishedAt: state == .done ? clock.addingTimeInterval(seconds) : nil, tasksDone: done,
                    tasksTotal: tasks, taskSeconds: state == .done ? seconds * 1.9 : nil))
            clock = clock.addingTimeInterval(seconds)
        }
        let failed =
            inProgress
            ? [
                ScanResults.FailedTask(
                    taskId: "stats-0007", phase: "statistics",
                    summary: "statistics shard-003.h5 rows 512..<1024 dims 0..<128",
                    error: "shard-003.h5: cannot open: Permission denied (errno 13) <script>alert(1)</script>",
                    attempts: 3)
            ] : []
        let run = ScanResults.Run(
            id: "run-20261121-fixture", spec: spec,
            dataset: .init(
                directory: "synthetic-regression", task: "regression", targets: targets, conditions: conditions,
                dimension: d, encoder: "synthetic (seeded) & <friends>",
                utterances: .init(train: 1200, dev: 300, test: 300)),
            startedAt: start, finishedAt: inProgress ? nil : clock, status: inProgress ? .running : .succeeded,
            phases: phases, failedTasks: failed)
        return ScanResults(run: run, scoreCurves: curves, selections: selections, models: models)
    }
}
