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
    ///
    /// The interval is the *basic* bootstrap interval, [2v − q_hi, 2v − q_lo] (Davison & Hinkley 1997, eq.
    /// 5.6), not the percentile one: an agreement between two estimated score vectors is attenuated by their
    /// estimation noise, and a replicate adds that noise once more, so replicate agreements sit below the
    /// point as the point sits below the agreement of the true scores (on vader-minilm the percentile interval
    /// of CCS against KSG, [0.35, 0.46], did not hold its own point 0.50). Reflecting the replicates about the
    /// point corrects that shift to first order. `AgreementIntervalTests` measures the coverage of a known true
    /// ρ: 86 % with estimation noise of 0.3 of the scores' spread, 44 % with 0.6 (the attenuation is
    /// multiplicative, the correction additive), where the percentile interval covered it in none of the draws.
    static func agreements(
        replicates: [ScanSpec.Method: ScoreReplicates], points: [(ScanSpec.Method, [Double])], rules: [Rule],
        level: Double
    ) throws -> [ScanResults.Agreement] {
        let count = replicates.values.first?.replicates.count ?? 0
        func vector(_ method: ScanSpec.Method, _ point: [Double], _ replicate: Int) -> [Double] {
            replicates[method]?.replicates[replicate] ?? point
        }
        func interval(_ values: [Double], point: Double, range: ClosedRange<Double>) -> (Double?, Double?) {
            guard values.count >= 2 else { return (nil, nil) }
            let low = ScoreThreshold.percentile(50 * (1 - level)).value(on: values)
            let high = ScoreThreshold.percentile(50 * (1 + level)).value(on: values)
            return (
                min(max(2 * point - high, range.lowerBound), range.upperBound),
                min(max(2 * point - low, range.lowerBound), range.upperBound)
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
            let value = MethodAgreement.spearman(pa, pb)
            let (low, high) = interval(values, point: value, range: -1...1)
            out.append(
                ScanResults.Agreement(
                    methods: [ma, mb], measure: "spearman", rule: nil, value: value, low: low, high: high,
                    resampled: resampled, random: nil))
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
                let value = MethodAgreement.jaccard(sa, sb)
                let (low, high) = interval(values, point: value, range: 0...1)
                out.append(
                    ScanResults.Agreement(
                        methods: [ma, mb], measure: "jaccard", rule: rule.name, value: value,
                        low: low, high: high, resampled: resampled,
                        random: MethodAgreement.randomJaccard(sa.count, sb.count, dimensions: pa.count)))
            }
        }
        return out
    }
}
