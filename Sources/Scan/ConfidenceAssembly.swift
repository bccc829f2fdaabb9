import Foundation
import Saliency
import ScanModel

/// Turns bootstrap replicates of scores into ``ScanResults/Confidence``: per method standard errors,
/// intervals, selection probabilities and stability per rule; per pair of methods Spearman's ρ and, per rule,
/// the Jaccard index with its random-pair expectation. `salience scores` and the scan's results share it.
public enum ConfidenceAssembly {
    /// A rule as the results name it and as Saliency applies it.
    public struct Rule {
        public var name: ScanResults.SelectionRule
        public var rule: SelectionRule

        public init(name: ScanResults.SelectionRule, rule: SelectionRule) {
            self.name = name
            self.rule = rule
        }
    }

    /// The rules of a spec that apply to one score vector: its top ratios below 1 (a ratio of 1 keeps all,
    /// where stability is undefined) and its thresholds other than `stable:π` (which are made from these).
    public static func rules(ratios: [Double], thresholds: [ScanSpec.Threshold]) -> [Rule] {
        var out = ratios.filter { $0 < 1 }.map { Rule(name: .ratio($0), rule: .topRatio($0)) }
        for threshold in thresholds {
            guard let score = ScanGraph.scoreThreshold(threshold) else { continue }
            out.append(Rule(name: .threshold(threshold), rule: .threshold(score)))
        }
        return out
    }

    /// The confidence of `replicates` (methods with them) given every method's point scores in `points`
    /// (methods without replicates join the agreement with their one vector); `notCovered` says why a method
    /// with scores has no replicates.
    public static func confidence(
        replicates: [ScanSpec.Method: ScoreReplicates], points: [(ScanSpec.Method, [Double])], rules: [Rule],
        settings: BootstrapSettings, notCovered: [String: String],
        level: Double = SaliencyDefaults.confidenceLevel
    ) throws -> ScanResults.Confidence {
        var methods = [ScanResults.MethodConfidence]()
        for (method, _) in points {
            guard let bootstrap = replicates[method] else { continue }
            let (low, high) = bootstrap.intervals(level: level)
            var summaries = [ScanResults.RuleConfidence]()
            for rule in rules {
                let selections = try bootstrap.selections(rule.rule)
                let probability = ScoreReplicates.frequencies(selections)
                let meanK = probability.reduce(0, +)
                let stability = try? SelectionStability(selections: selections)
                let defined = meanK > 0 && meanK < Double(bootstrap.point.count)
                summaries.append(
                    ScanResults.RuleConfidence(
                        rule: rule.name, selectionProbability: probability, meanK: meanK,
                        stability: defined ? stability?.estimate ?? .nan : .nan,
                        stabilityVariance: defined ? stability?.variance ?? .nan : .nan,
                        stabilityLow: defined ? stability?.lower ?? .nan : .nan,
                        stabilityHigh: defined ? stability?.upper ?? .nan : .nan))
            }
            methods.append(
                ScanResults.MethodConfidence(
                    method: method, standardError: bootstrap.standardErrors, intervalLow: low, intervalHigh: high,
                    rules: summaries))
        }
        let agreement = try agreements(replicates: replicates, points: points, rules: rules, level: level)
        return ScanResults.Confidence(
            replicates: settings.replicates, seed: settings.seed, level: level, methods: methods,
            agreement: agreement, notCovered: notCovered)
    }

    /// Spearman's ρ of every pair, then the Jaccard index of every pair under every rule, each with its
    /// interval over the replicates when at least one of the two has replicates (paired: replicate b of both
    /// comes from the same weights).
    static func agreements(
        replicates: [ScanSpec.Method: ScoreReplicates], points: [(ScanSpec.Method, [Double])], rules: [Rule],
        level: Double
    ) throws -> [ScanResults.Agreement] {
        let count = replicates.values.first?.replicates.count ?? 0
        func vector(_ method: ScanSpec.Method, _ point: [Double], _ replicate: Int) -> [Double] {
            replicates[method]?.replicates[replicate] ?? point
        }
        func interval(_ values: [Double]) -> (Double?, Double?) {
            guard values.count >= 2 else { return (nil, nil) }
            return (
                ScoreThreshold.percentile(50 * (1 - level)).value(on: values),
                ScoreThreshold.percentile(50 * (1 + level)).value(on: values)
            )
        }
        var out = [ScanResults.Agreement]()
        var pairs = [(Int, Int)]()
        for a in points.indices { for b in points.indices where b > a { pairs.append((a, b)) } }
        for (a, b) in pairs {
            let (ma, pa) = points[a]
            let (mb, pb) = points[b]
            let resampled = [ma, mb].filter { replicates[$0] != nil }
            let rounds = resampled.isEmpty ? 0 : count
            let values = (0..<rounds).map { MethodAgreement.spearman(vector(ma, pa, $0), vector(mb, pb, $0)) }
            let (low, high) = interval(values)
            out.append(
                ScanResults.Agreement(
                    methods: [ma, mb], measure: "spearman", rule: nil, value: MethodAgreement.spearman(pa, pb),
                    low: low, high: high, resampled: resampled, random: nil))
        }
        for rule in rules {
            for (a, b) in pairs {
                let (ma, pa) = points[a]
                let (mb, pb) = points[b]
                let resampled = [ma, mb].filter { replicates[$0] != nil }
                let rounds = resampled.isEmpty ? 0 : count
                let sa = try Selection.select(pa, rule: rule.rule)
                let sb = try Selection.select(pb, rule: rule.rule)
                let values = try (0..<rounds).map {
                    MethodAgreement.jaccard(
                        try Selection.select(vector(ma, pa, $0), rule: rule.rule),
                        try Selection.select(vector(mb, pb, $0), rule: rule.rule))
                }
                let (low, high) = interval(values)
                out.append(
                    ScanResults.Agreement(
                        methods: [ma, mb], measure: "jaccard", rule: rule.name, value: MethodAgreement.jaccard(sa, sb),
                        low: low, high: high, resampled: resampled,
                        random: MethodAgreement.randomJaccard(sa.count, sb.count, dimensions: pa.count)))
            }
        }
        return out
    }
}
