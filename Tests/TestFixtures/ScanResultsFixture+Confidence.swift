import Foundation
import Numerics
import ScanModel

extension ScanResultsFixture {
    /// The finished scan with `[confidence] replicates = 100`: CCS has replicates (standard errors, intervals,
    /// selection probabilities and stability per rule), the other scoring methods join the agreement.
    public static let confident = makeConfident()

    static func makeConfident() -> ScanResults {
        var results = make()
        results.run.spec.confidence = ScanSpec.Confidence(replicates: 100, seed: 20)
        let spec = results.run.spec
        guard let ccs = results.scoreCurve(.ccs) else { return results }
        let d = ccs.mean.count
        let se = ccs.mean.map { 0.1 * $0 + 0.01 }
        let order = ccs.mean.indices.sorted { ccs.mean[$0] > ccs.mean[$1] }
        var rank = [Int](repeating: 0, count: d)
        for (position, index) in order.enumerated() { rank[index] = position }
        var rules = [ScanResults.RuleConfidence]()
        var ruleNames: [ScanResults.SelectionRule] = spec.selection.ratios.filter { $0 < 1 }.map { .ratio($0) }
        ruleNames += spec.selection.thresholds.map { .threshold($0) }
        for (index, rule) in ruleNames.enumerated() {
            let k = Double(rule.ratio.map { $0 * Double(d) } ?? Double(d) / 3)
            // Dimensions well inside the top k are kept nearly always, those near its edge about half the time.
            let probability = rank.map { 1 / (1 + exp((Double($0) - k) / 3)) }
            let stability = 0.45 + 0.1 * Double(index)
            rules.append(
                ScanResults.RuleConfidence(
                    rule: rule, selectionProbability: probability, meanK: probability.reduce(0, +),
                    stability: stability,
                    stabilityVariance: 0.0004, stabilityLow: stability - 0.0392, stabilityHigh: stability + 0.0392))
        }
        let method = ScanResults.MethodConfidence(
            method: .ccs, standardError: se, intervalLow: zip(ccs.mean, se).map { max(0, $0 - 1.96 * $1) },
            intervalHigh: zip(ccs.mean, se).map { $0 + 1.96 * $1 }, rules: rules)
        let scored: [ScanSpec.Method] = [.ccs, .mis, .misHist, .ig]
        var agreement = [ScanResults.Agreement]()
        for (a, first) in scored.enumerated() {
            for second in scored[(a + 1)...] {
                let value = first == .ccs ? 0.7 : 0.4
                agreement.append(
                    ScanResults.Agreement(
                        methods: [first, second], measure: "spearman", rule: nil, value: value, low: value - 0.08,
                        high: value + 0.06, resampled: first == .ccs ? [.ccs] : [], random: nil))
            }
        }
        for rule in ruleNames {
            let ratio = rule.ratio ?? 1.0 / 3
            for (a, first) in scored.enumerated() {
                for second in scored[(a + 1)...] {
                    let random = ratio / (2 - ratio)
                    let value = min(1, random + (first == .ccs ? 0.3 : 0.15))
                    agreement.append(
                        ScanResults.Agreement(
                            methods: [first, second], measure: "jaccard", rule: rule, value: value,
                            low: first == .ccs ? value - 0.1 : nil, high: first == .ccs ? min(1, value + 0.08) : nil,
                            resampled: first == .ccs ? [.ccs] : [], random: random))
                }
            }
        }
        results.confidence = ScanResults.Confidence(
            replicates: 100, seed: 20, level: 0.95, methods: [method], agreement: agreement,
            notCovered: ScanSpec.Method.bootstrapGaps([.mis, .misHist, .pca, .ig]))
        return results
    }
}
