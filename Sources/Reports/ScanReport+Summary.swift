import Foundation
import ScanModel

extension ScanReport {
    /// The answer first: for each kept fraction, the method whose selection did best on dev (mean over
    /// seeds), its test metric (mean ± std over seeds), how far that is from the full-width decoder and from
    /// a random selection of the same size, at what share of the parameters and training time — one sentence
    /// per fraction, as it would go into a paper, and the table behind the sentences.
    ///
    /// The method is chosen on dev, not test, so the headline does not pick the luckiest test number.
    func summarySection(_ context: ReportContext) -> ReportSection {
        var section = ReportSection(id: "summary", title: "Summary")
        guard !context.summaries.isEmpty else {
            section.notes.append(context.unavailable("Trained models", phase: "grid"))
            return section
        }
        let metric = context.primary.label
        var rows: [[String]] = []
        var sentences: [String] = []
        for mode in context.modes {
            let cells = context.summaries.filter { $0.cell.labelVariance == mode }
            let full = cells.first { $0.cell.method == .full }
            let ratios = Set(cells.compactMap(\.cell.rule.ratio)).sorted()
            for ratio in ratios {
                let here = cells.filter { $0.cell.rule.ratio == ratio }
                let random = here.first { $0.cell.method.traits.selection == .random }
                let candidates = here.filter {
                    [.scores, .components].contains($0.cell.method.traits.selection)
                        && $0.metrics[context.devKey] != nil && $0.metrics[context.testKey] != nil
                }
                guard
                    let best = candidates.max(by: { a, b in
                        let (x, y) = (a.metrics[context.devKey]!.mean, b.metrics[context.devKey]!.mean)
                        return context.primary.higherIsBetter ? x < y : x > y
                    }), let test = best.metrics[context.testKey]
                else { continue }
                let fullTest = full?.metrics[context.testKey]
                let randomTest = random?.metrics[context.testKey]
                func difference(_ reference: ScanResults.SeedStatistics?) -> String {
                    guard let reference else { return "—" }
                    return Markup.signed(test.mean - reference.mean)
                }
                let fullSeconds = full?.secondsTotal.mean
                rows.append([
                    Markup.number(ratio, decimals: 2), String(best.k), mode.rawValue, best.cell.method.rawValue,
                    Self.meanStd(test), fullTest.map(Self.meanStd) ?? "—", difference(fullTest),
                    randomTest.map(Self.meanStd) ?? "—", difference(randomTest),
                    Markup.number(best.paramsRatio.mean, decimals: 2),
                    Markup.number(best.secondsTotal.mean, decimals: 1),
                    fullSeconds.map { Markup.number(best.secondsTotal.mean / max($0, 1e-9), decimals: 2) } ?? "—",
                ])
                // In a layered scan a ratio is of one layer's width (the k of every scope of the grid).
                let kept =
                    context.layerCount > 1
                    ? "\(Markup.percent(ratio)) of one layer's \(context.dimension / context.layerCount) dimensions "
                        + "(k = \(best.k), from \(context.dimension) columns of \(context.layerCount) layers)"
                    : "\(Markup.percent(ratio)) of the \(context.dimension) dimensions (k = \(best.k))"
                var sentence =
                    "Keeping \(kept), "
                    + "\(best.cell.method.rawValue) reaches test \(metric) \(Self.meanStd(test))"
                var against: [String] = []
                if let fullTest {
                    against.append("full width \(Self.meanStd(fullTest)), \(difference(fullTest))")
                }
                if let randomTest, best.k < context.dimension {
                    against.append(
                        "random \(Markup.percent(ratio)) \(Self.meanStd(randomTest)), \(difference(randomTest))")
                }
                if !against.isEmpty { sentence += " (" + against.joined(separator: "; ") + ")" }
                sentence +=
                    " with \(Markup.number(best.paramsRatio.mean, decimals: 2))x the parameters"
                    + (context.modes.count > 1 ? ", label variance \(mode.rawValue)" : "") + "."
                sentences.append(sentence)
            }
        }
        let seeds = Set(results.models.map(\.seed)).count
        section.intro =
            "The method with the best dev \(metric) at each kept fraction (mean over \(seeds) seed\(seeds == 1 ? "" : "s")), "
            + "with its test "
            + "\(metric) as mean ± standard deviation over seeds"
            + (context.inProgress ? "; the run is still in progress, so this covers the models finished so far." : ".")
        section.findings = sentences
        section.tables.append(
            ReportTable(
                id: "summary-table",
                caption: "Best method per kept fraction (chosen on dev): test \(metric), its difference to the "
                    + "full-width decoder and to random at the same k, parameter and training-time ratios",
                columns: [
                    .init("kept", numeric: true), .init("k", numeric: true), .init("label variance"),
                    .init("best (dev)"), .init("test \(context.primary.rawValue)", numeric: true),
                    .init("full width", numeric: true), .init("Δ full", numeric: true),
                    .init("random, same k", numeric: true), .init("Δ random", numeric: true),
                    .init("params ratio", numeric: true), .init("train s", numeric: true),
                    .init("time ratio", numeric: true),
                ], rows: rows))
        return section
    }

    /// `0.812 ± 0.004` (the ± part only with two seeds or more).
    static func meanStd(_ statistics: ScanResults.SeedStatistics) -> String {
        Markup.number(statistics.mean) + (statistics.std.map { " ± " + Markup.number($0) } ?? "")
    }
}
