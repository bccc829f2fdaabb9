import Foundation
import ScanModel

/// The "Late fusion" section: each fused system of the spec's `[fusion]` beside each of its members, over
/// seeds, both ways the MuSe tables report a system (mean ± std over seeds, and best-of-N: the test value of
/// the seed with the best dev value), per label-variance mode. Absent when the spec has no `[fusion]`, so
/// reports of other scans are unchanged.
extension ScanReport {
    func fusionSection(_ context: ReportContext) -> ReportSection? {
        guard let fusion = results.run.spec.fusion else { return nil }
        var section = ReportSection(id: "fusion", title: "Late fusion")
        let memberNames = fusion.members.map(Self.memberLabel).joined(separator: " + ")
        section.intro =
            "The members \(memberNames) fused per seed and label-variance mode (docs/fusion.md): weights fitted on "
            + "the clean dev split only, the fused predictions evaluated like any model. Best-of-N is the test "
            + "\(context.primary.label) of the seed with the best dev \(context.primary.label)."
        let fusions = results.fusions ?? []
        if fusions.isEmpty {
            section.notes.append(context.unavailable("Fused systems", phase: "fusion"))
            return section
        }
        let better = context.primary.higherIsBetter
        func bestByDev<T>(_ items: [T], seed: (T) -> Int, dev: (T) -> Double?) -> T? {
            items.compactMap { item in dev(item).map { (item, $0) } }.min { a, b in
                if a.1 != b.1 { return better ? a.1 > b.1 : a.1 < b.1 }
                return seed(a.0) < seed(b.0)
            }?.0
        }
        func stats(_ values: [Double]) -> String {
            values.isEmpty ? "—" : Self.meanStd(ScanResults.SeedStatistics(values))
        }
        let modes = Array(Set(fusions.map(\.labelVariance))).sorted()
        for mode in modes {
            var rows = [[String]]()
            // Each member's models of this mode, by seed.
            var memberTest: [[Int: Double]] = []
            for member in fusion.members {
                let cell = ScanResults.GridCell(method: member.method, rule: member.rule, labelVariance: mode)
                let models = context.summaries.first { $0.cell == cell }?.models ?? []
                let best = bestByDev(models, seed: \.seed) { $0[context.devKey] }
                let test = models.compactMap { $0[context.testKey] }
                memberTest.append(
                    Dictionary(models.compactMap { m in m[context.testKey].map { (m.seed, $0) } }) { a, _ in a })
                // A cell served by another cell's model says so (its numbers are that model's).
                let shared = models.first?.sameModelAs.map { " (model of \($0))" } ?? ""
                rows.append([
                    Self.memberLabel(member) + shared, "\(models.count)", stats(test),
                    stats(models.compactMap { $0[context.devKey] }),
                    best.map { "\($0.seed): " + Markup.number($0[context.testKey]) } ?? "—", "—",
                ])
            }
            for method in fusion.methods {
                let systems = fusions.filter { $0.method == method && $0.labelVariance == mode }
                    .sorted { $0.seed < $1.seed }
                guard !systems.isEmpty else { continue }
                let best = bestByDev(systems, seed: \.seed) { $0[context.devKey] }
                // Seeds on which the fused system beats the better of its members on test (an oracle choice of
                // member, so a stricter comparison than any dev-based one).
                var wins = 0
                var compared = 0
                for system in systems {
                    guard let fused = system[context.testKey] else { continue }
                    let members = memberTest.compactMap { $0[system.seed] }
                    guard members.count == memberTest.count, let top = better ? members.max() : members.min()
                    else { continue }
                    compared += 1
                    if better ? fused > top : fused < top { wins += 1 }
                }
                rows.append([
                    "fused, \(method.rawValue)", "\(systems.count)", stats(systems.compactMap { $0[context.testKey] }),
                    stats(systems.compactMap { $0[context.devKey] }),
                    best.map { "\($0.seed): " + Markup.number($0[context.testKey]) } ?? "—",
                    compared == 0 ? "—" : "\(wins) of \(compared)",
                ])
            }
            section.tables.append(
                ReportTable(
                    id: "fusion-\(mode.rawValue)",
                    caption: "Label variance \(mode.rawValue): \(context.metricLabel(context.testKey)) over seeds, "
                        + "the fused systems beside their members",
                    columns: [
                        .init("system"), .init("seeds", numeric: true), .init("test mean ± std", numeric: true),
                        .init("dev mean ± std", numeric: true), .init("best-of-N by dev (seed: test)", numeric: true),
                        .init("beats the better member on test", numeric: true),
                    ], rows: rows))
        }
        section.tables.append(weightsTable(fusions))
        return section
    }

    /// The fitted weights of every fused system, per target (the first seed's are typical; all are listed).
    private func weightsTable(_ fusions: [FusedSystemResult]) -> ReportTable {
        var rows = [[String]]()
        for system in fusions {
            for weights in system.weights {
                rows.append([
                    system.method.rawValue, system.labelVariance.rawValue, "\(system.seed)", weights.target,
                    weights.weights.map { Markup.number($0, decimals: 3) }.joined(separator: ", "),
                    Markup.number(weights.bias, decimals: 3),
                    weights.memberDevMetric.map { Markup.number($0) }.joined(separator: ", "),
                ])
            }
        }
        return ReportTable(
            id: "fusion-weights", caption: "Fusion weights per system and target (fitted on clean dev)",
            columns: [
                .init("method"), .init("label variance"), .init("seed", numeric: true), .init("target"),
                .init("weights (member order)"), .init("bias", numeric: true), .init("members' dev metric"),
            ], rows: rows, collapsed: rows.count > 12)
    }

    /// `ccs 60%`, `full`: a member cell as tables name it.
    static func memberLabel(_ member: ScanSpec.Fusion.Member) -> String {
        member.rule == .full ? member.method.rawValue : "\(member.method.rawValue) \(member.rule.label)"
    }
}
