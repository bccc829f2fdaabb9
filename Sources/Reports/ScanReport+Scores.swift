import Foundation
import ScanModel

extension ScanReport {
    /// Sorted score curves per method (score against rank, mean with a ±1 std band), as in the IG paper's
    /// figures, and every per-dimension number in folded tables.
    func scoresSection(_ context: ReportContext) -> ReportSection {
        var section = ReportSection(id: "scores", title: "Saliency and attribution scores")
        section.intro =
            "Each method's per-dimension score, sorted from most to least salient (rank 1 = kept first). "
            + "The band is ±1 standard deviation (across targets for CCS and MIS, across train utterances for IG), "
            + "clipped at 0."
        let wanted = results.run.spec.selection.methods.filter(\.hasScores)
        var summaryRows: [[String]] = []
        for method in wanted {
            guard let curve = results.scoreCurve(method) else {
                section.notes.append(context.unavailable("Scores of \(method.rawValue)", phase: phaseName(method)))
                continue
            }
            let order = curve.ranking
            let sorted = order.map { curve.mean[$0] }
            // Frame-level pooling pairs correlated frames, so N there is not a count of independent
            // observations: the rule is applied to utterance-level scores only.
            if method == .misHist, results.run.spec.dataset.pooling == .utterance,
                let train = results.run.dataset.utterances?.train,
                let flat = HistogramResolution.warning(
                    scores: curve.mean, observations: train, bins: results.run.spec.mis.bins)
            {
                section.notes.append(flat)
            }
            let std = curve.std.map { values in order.map { values.indices.contains($0) ? values[$0] : 0 } }
            if context.includeFigures {
                var series = LineChart.Series(
                    name: "\(method.rawValue) mean", color: Palette.color(method),
                    points: sorted.enumerated().map { LineChart.Point(x: Double($0.offset + 1), y: $0.element) },
                    marker: nil)
                if let std {
                    series.band = sorted.indices.map {
                        (x: Double($0 + 1), lower: max(0, sorted[$0] - std[$0]), upper: sorted[$0] + std[$0])
                    }
                }
                var references: [LineChart.Reference] = []
                if method.takesThresholds, !sorted.isEmpty {
                    let mean = sorted.reduce(0, +) / Double(sorted.count)
                    references.append(
                        LineChart.Reference(name: "mean of scores (threshold)", y: mean, color: "#555", dash: "3 3"))
                }
                let chart = LineChart(
                    title: "\(method.rawValue): \(curve.quantity)", xLabel: "rank (1 = most salient)",
                    yLabel: curve.quantity, series: [series], references: references, width: 380, plotHeight: 210,
                    yIncludesZero: true, xDomain: 1...Double(max(sorted.count, 2)))
                let band = curve.stdAcross.map { "±1 std across \($0)" } ?? "no spread recorded"
                section.figures.append(
                    .init(
                        name: "scores-\(method.rawValue)", chart: chart,
                        caption: "\(method.rawValue): \(curve.quantity) of \(sorted.count) dimensions, sorted; \(band)."
                    ))
            }
            let dimensionsAboveMean = sorted.filter { $0 >= sorted.reduce(0, +) / Double(max(sorted.count, 1)) }.count
            summaryRows.append([
                method.rawValue, curve.quantity, String(sorted.count), Markup.number(sorted.first),
                Markup.number(sorted.reduce(0, +) / Double(max(sorted.count, 1))),
                Markup.number(median(sorted)), String(dimensionsAboveMean),
                order.prefix(5).map(String.init).joined(separator: " "),
            ])
            var columns: [ReportTable.Column] = [
                .init("rank", numeric: true), .init("dimension", numeric: true), .init("score", numeric: true),
                .init("std", numeric: true),
            ]
            if curve.signedMean != nil { columns.append(.init("signed mean", numeric: true)) }
            let rows = order.enumerated().map { rank, dimension -> [String] in
                var row = [
                    String(rank + 1), String(dimension), Markup.number(curve.mean[dimension], decimals: 6),
                    Markup.number(
                        curve.std.flatMap { $0.indices.contains(dimension) ? $0[dimension] : nil }, decimals: 6),
                ]
                if let signed = curve.signedMean {
                    row.append(Markup.number(signed.indices.contains(dimension) ? signed[dimension] : nil, decimals: 6))
                }
                return row
            }
            section.tables.append(
                ReportTable(
                    id: "scores-\(method.rawValue)", caption: "\(method.rawValue): every dimension's score, by rank",
                    columns: columns, rows: rows, collapsed: true))
        }
        if context.includeFigures {
            let normalised = results.scoreCurves.compactMap { curve -> LineChart.Series? in
                let sorted = curve.ranking.map { curve.mean[$0] }
                guard let top = sorted.first, top > 0 else { return nil }
                return LineChart.Series(
                    name: curve.method.rawValue, color: Palette.color(curve.method),
                    points: sorted.enumerated().map { LineChart.Point(x: Double($0.offset + 1), y: $0.element / top) },
                    marker: nil)
            }
            if normalised.count >= 2 {
                let chart = LineChart(
                    title: "All methods, normalised", xLabel: "rank (1 = most salient)", yLabel: "score / top score",
                    series: normalised, width: 380, plotHeight: 210, yIncludesZero: true,
                    xDomain: 1...Double(max(context.dimension, 2)))
                section.figures.append(
                    .init(
                        name: "scores-normalised", chart: chart,
                        caption: "Every method's sorted scores divided by its top score: how quickly saliency decays."))
            }
        }
        section.tables.insert(
            ReportTable(
                id: "scores-summary", caption: "Scores per method",
                columns: [
                    .init("method"), .init("quantity"), .init("dimensions", numeric: true), .init("max", numeric: true),
                    .init("mean", numeric: true), .init("median", numeric: true),
                    .init("≥ mean", numeric: true), .init("top 5 dimensions"),
                ], rows: summaryRows), at: 0)
        return section
    }

    /// The median (mean of the middle two for an even count); nil when empty.
    func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    private func phaseName(_ method: ScanSpec.Method) -> String { method == .ig ? "ig" : "scores" }
}
