import Foundation

extension ScanResults {
    /// One cell of the training grid, seeds aside: (method, ratio or threshold rule, label-variance mode).
    public struct GridCell: Hashable, Sendable, Comparable, CustomStringConvertible {
        /// The method.
        public var method: ScanSpec.Method
        /// The rule that set k.
        public var rule: SelectionRule
        /// The label-variance mode.
        public var labelVariance: ScanSpec.LabelVarianceMode

        /// Creates a cell.
        public init(method: ScanSpec.Method, rule: SelectionRule, labelVariance: ScanSpec.LabelVarianceMode) {
            self.method = method
            self.rule = rule
            self.labelVariance = labelVariance
        }

        /// `ccs 25% std-aux`.
        public var description: String { "\(method.rawValue) \(rule.label) \(labelVariance.rawValue)" }

        /// Method, then rule, then mode.
        public static func < (lhs: GridCell, rhs: GridCell) -> Bool {
            if lhs.method != rhs.method { return lhs.method < rhs.method }
            if lhs.rule != rhs.rule { return lhs.rule < rhs.rule }
            return lhs.labelVariance < rhs.labelVariance
        }
    }

    /// Mean and spread of one number over seeds.
    public struct SeedStatistics: Equatable, Sendable {
        /// The mean over the seeds that have the number.
        public var mean: Double
        /// The sample standard deviation (n − 1 in the denominator, as pandas); nil with fewer than 2 seeds.
        public var std: Double?
        /// How many seeds had the number.
        public var count: Int

        /// Mean and sample standard deviation of `values` (which must not be empty).
        public init(_ values: [Double]) {
            count = values.count
            mean = values.reduce(0, +) / Double(max(values.count, 1))
            if values.count >= 2 {
                let m = mean
                std = (values.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(values.count - 1)).squareRoot()
            } else {
                std = nil
            }
        }
    }

    /// A grid cell's models aggregated over seeds.
    public struct SeedSummary: Sendable {
        /// The cell.
        public var cell: GridCell
        /// The cell's models, by ascending seed.
        public var models: [TrainedModelResult]
        /// Every metric the models have, over seeds.
        public var metrics: [MetricKey: SeedStatistics]
        /// The model with the best dev metric (clean, averaged over targets, primary metric); ties to the lower
        /// seed. Nil when no model has a dev value.
        public var bestByDev: TrainedModelResult?

        /// k, the number of inputs (the first model's; a cell's models share their selection's size).
        public var k: Int { models.first?.k ?? 0 }
        /// Seeds of the cell's models.
        public var seeds: [Int] { models.map(\.seed) }
        /// Parameters over seeds.
        public var params: SeedStatistics { SeedStatistics(models.map { Double($0.params) }) }
        /// Parameter ratio over seeds.
        public var paramsRatio: SeedStatistics { SeedStatistics(models.map(\.paramsRatio)) }
        /// Total training seconds over seeds.
        public var secondsTotal: SeedStatistics { SeedStatistics(models.map(\.secondsTotal)) }
        /// Seconds to the best epoch over seeds.
        public var secondsToBest: SeedStatistics { SeedStatistics(models.map(\.secondsToBest)) }
    }

    /// The trained models grouped by grid cell, aggregated over seeds, cells in ``GridCell`` order.
    public func seedSummaries() -> [SeedSummary] {
        let devKey = MetricKey(split: .dev, metric: primaryMetric)
        let grouped = Dictionary(grouping: models, by: \.cell)
        return grouped.keys.sorted().map { cell in
            let cellModels = (grouped[cell] ?? []).sorted { $0.seed < $1.seed }
            var valuesByKey: [MetricKey: [Double]] = [:]
            for model in cellModels {
                for value in model.metrics { valuesByKey[value.key, default: []].append(value.value) }
            }
            let metrics = valuesByKey.mapValues { SeedStatistics($0) }
            let scored = cellModels.compactMap { model in model[devKey].map { (model, $0) } }
            let best = scored.min { a, b in
                if a.1 != b.1 { return primaryMetric.higherIsBetter ? a.1 > b.1 : a.1 < b.1 }
                return a.0.seed < b.0.seed
            }
            return SeedSummary(cell: cell, models: cellModels, metrics: metrics, bestByDev: best?.0)
        }
    }

    /// One model's metric on a distorted condition next to clean, over the same utterances where possible.
    public struct RobustnessDrop: Sendable {
        /// The model's cell.
        public var cell: GridCell
        /// The model's seed.
        public var seed: Int
        /// The split.
        public var split: Split
        /// The distorted condition.
        public var condition: String
        /// The target; nil for the average.
        public var target: String?
        /// The metric.
        public var metric: Metric
        /// The metric on clean embeddings.
        public var clean: Double
        /// The metric on the distorted embeddings.
        public var distorted: Double
        /// Whether `clean` was measured on the distorted condition's utterances (else on the whole split).
        public var sameUtterances: Bool

        /// Distorted minus clean (negative when the distortion hurts a higher-is-better metric).
        public var drop: Double { distorted - clean }
    }

    /// Every (model, distorted condition, split, target, metric) with both a distorted and a clean value.
    public func robustnessDrops() -> [RobustnessDrop] {
        var drops: [RobustnessDrop] = []
        for model in models {
            for value in model.metrics where value.key.condition != "clean" {
                let key = value.key
                guard key.utterances == nil || key.utterances == key.condition else { continue }
                var clean = key
                clean.condition = "clean"
                clean.utterances = key.condition
                var sameUtterances = true
                var cleanValue = model[clean]
                if cleanValue == nil {
                    clean.utterances = nil
                    cleanValue = model[clean]
                    sameUtterances = false
                }
                guard let cleanValue else { continue }
                drops.append(
                    RobustnessDrop(
                        cell: model.cell, seed: model.seed, split: key.split, condition: key.condition,
                        target: key.target, metric: key.metric, clean: cleanValue, distorted: value.value,
                        sameUtterances: sameUtterances))
            }
        }
        return drops
    }

    /// Robustness drops of one (cell, split, condition, target, metric), over seeds.
    public struct RobustnessSummary: Sendable {
        /// The cell.
        public var cell: GridCell
        /// The split.
        public var split: Split
        /// The distorted condition.
        public var condition: String
        /// The target; nil for the average.
        public var target: String?
        /// The metric.
        public var metric: Metric
        /// Clean metric over seeds.
        public var clean: SeedStatistics
        /// Distorted metric over seeds.
        public var distorted: SeedStatistics
        /// Distorted minus clean, over seeds.
        public var drop: SeedStatistics
        /// Whether every seed's clean value was on the condition's own utterances.
        public var sameUtterances: Bool
    }

    /// ``robustnessDrops()`` aggregated over seeds, for one split and metric (averaged targets by default).
    public func robustnessSummaries(split: Split = .test, metric: Metric? = nil, target: String? = nil)
        -> [RobustnessSummary]
    {
        let metric = metric ?? primaryMetric
        let drops = robustnessDrops().filter { $0.split == split && $0.metric == metric && $0.target == target }
        struct Group: Hashable {
            var cell: GridCell
            var condition: String
        }
        let grouped = Dictionary(grouping: drops) { Group(cell: $0.cell, condition: $0.condition) }
        let conditionOrder = run.dataset.conditions
        return grouped.keys.sorted {
            if $0.condition != $1.condition {
                let a = conditionOrder.firstIndex(of: $0.condition) ?? Int.max
                let b = conditionOrder.firstIndex(of: $1.condition) ?? Int.max
                return a != b ? a < b : $0.condition < $1.condition
            }
            return $0.cell < $1.cell
        }.map { group in
            let items = grouped[group] ?? []
            return RobustnessSummary(
                cell: group.cell, split: split, condition: group.condition, target: target, metric: metric,
                clean: SeedStatistics(items.map(\.clean)), distorted: SeedStatistics(items.map(\.distorted)),
                drop: SeedStatistics(items.map(\.drop)), sameUtterances: items.allSatisfy(\.sameUtterances))
        }
    }

    /// The same (method, rule) trained with a label-variance mode and with `off`, over seeds.
    public struct LabelVarianceComparison: Sendable {
        /// The method.
        public var method: ScanSpec.Method
        /// The rule.
        public var rule: SelectionRule
        /// The mode compared with `off` (`std-aux`, `nll`, `distribution`, `weighted`).
        public var mode: ScanSpec.LabelVarianceMode = .stdAux
        /// With `mode`.
        public var on: SeedStatistics
        /// With `off`.
        public var off: SeedStatistics

        /// On minus off.
        public var difference: Double { on.mean - off.mean }
    }

    /// Every (method, rule, mode other than off) that also has `off`, compared on `key` (test, clean, averaged
    /// primary by default), in mode order.
    public func labelVarianceComparisons(key: MetricKey? = nil) -> [LabelVarianceComparison] {
        let key = key ?? MetricKey(split: .test, metric: primaryMetric)
        let summaries = seedSummaries()
        var comparisons: [LabelVarianceComparison] = []
        for summary in summaries where summary.cell.labelVariance != .off {
            guard let on = summary.metrics[key],
                let off = summaries.first(where: {
                    $0.cell.method == summary.cell.method && $0.cell.rule == summary.cell.rule
                        && $0.cell.labelVariance == .off
                })?.metrics[key]
            else { continue }
            comparisons.append(
                LabelVarianceComparison(
                    method: summary.cell.method, rule: summary.cell.rule, mode: summary.cell.labelVariance, on: on,
                    off: off))
        }
        let order = ScanSpec.LabelVarianceMode.allCases
        return comparisons.enumerated().sorted {
            let (a, b) = (order.firstIndex(of: $0.element.mode) ?? 0, order.firstIndex(of: $1.element.mode) ?? 0)
            return a != b ? a < b : $0.offset < $1.offset
        }.map(\.element)
    }
}
