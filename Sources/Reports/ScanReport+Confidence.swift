import Foundation
import ScanModel

extension ScanReport {
    /// Bootstrap confidence (only with `[confidence]`): each method's sorted scores with their 95 % percentile
    /// band, the stability of every rule with its interval, the agreement between methods, and stable
    /// selections beside top-ratio ones of about the same size.
    func confidenceSection(_ context: ReportContext) -> ReportSection? {
        guard let confidence = results.confidence else { return nil }
        var section = ReportSection(id: "confidence", title: "Confidence, stability and agreement")
        section.intro =
            "\(confidence.replicates) Poisson-bootstrap replicates (seed \(confidence.seed)): every train utterance "
            + "counts a Poisson(1) number of times in each replicate, and the statistics are recomputed (KSG, which "
            + "is not a sum, on the utterances drawn at least once). Score bands and stability intervals are "
            + "\(Markup.number(confidence.level * 100, decimals: 0)) % percentile intervals over the replicates; "
            + "agreement intervals are basic bootstrap intervals (the replicates reflected about the point), since "
            + "each replicate's estimation noise lowers the agreement of two score vectors once more. Stability is "
            + "Nogueira, Sechidis & Brown's Φ̂ (JMLR 2018) of the replicates' selections: "
            + "1 when every replicate selects the same set, about 0 for sets no better than random."
        for (method, why) in confidence.notCovered.sorted(by: { $0.key < $1.key }) {
            section.notes.append(
                "\(method): no replicates (\(why)); it appears in the agreement with its one score vector.")
        }
        for entry in confidence.methods {
            if context.includeFigures, let figure = bandFigure(entry) { section.figures.append(figure) }
        }
        if context.includeFigures, let figure = stabilityFigure(confidence, context) { section.figures.append(figure) }
        section.tables.append(stabilityTable(confidence))
        section.tables.append(agreementMatrix(confidence))
        section.tables.append(jaccardTable(confidence))
        if let table = stableComparison(context) { section.tables.append(table) }
        return section
    }

    /// A method's sorted scores with the bootstrap band of each dimension's score.
    private func bandFigure(_ entry: ScanResults.MethodConfidence) -> ReportSection.Figure? {
        guard let curve = results.scoreCurve(entry.method), curve.mean.count == entry.intervalLow.count else {
            return nil
        }
        let order = curve.ranking
        var series = LineChart.Series(
            name: "\(entry.method.rawValue) score", color: Palette.color(entry.method),
            points: order.enumerated().map { LineChart.Point(x: Double($0.offset + 1), y: curve.mean[$0.element]) },
            marker: nil)
        series.band = order.enumerated().map {
            (x: Double($0.offset + 1), lower: entry.intervalLow[$0.element], upper: entry.intervalHigh[$0.element])
        }
        let chart = LineChart(
            title: "\(entry.method.rawValue): scores with bootstrap 95 % intervals", xLabel: "rank (1 = most salient)",
            yLabel: curve.quantity, series: [series], width: 380, plotHeight: 210, yIncludesZero: true,
            xDomain: 1...Double(max(order.count, 2)), id: "confidence-\(entry.method.rawValue)")
        return ReportSection.Figure(
            name: "confidence-\(entry.method.rawValue)", chart: chart,
            caption: "\(entry.method.rawValue): each dimension's score (line, sorted) and the 95 % percentile interval "
                + "of its score over the replicates (band). Where bands of neighbouring ranks overlap, their order is "
                + "luck of the sample.")
    }

    /// Stability against the mean kept fraction of each rule, with its interval, per method.
    private func stabilityFigure(_ confidence: ScanResults.Confidence, _ context: ReportContext) -> ReportSection
        .Figure?
    {
        func point(_ rule: ScanResults.RuleConfidence) -> LineChart.Point {
            LineChart.Point(
                x: rule.meanK / Double(context.dimension), y: rule.stability, lower: rule.stabilityLow,
                upper: rule.stabilityHigh, note: "\(rule.rule.label): Φ̂ = \(Markup.number(rule.stability))")
        }
        // Top ratios as a line in kept fraction; thresholds as markers alone (their sizes come from the data).
        var series: [LineChart.Series] = []
        for entry in confidence.methods {
            let defined = entry.rules.filter { $0.stability.isFinite }
            series.append(
                LineChart.Series(
                    name: "\(entry.method.rawValue) top ratios", color: Palette.color(entry.method),
                    points: defined.filter { $0.rule.ratio != nil }.map(point)))
            let thresholds = defined.filter { $0.rule.ratio == nil }
            if !thresholds.isEmpty {
                series.append(
                    LineChart.Series(
                        name: "\(entry.method.rawValue) thresholds", color: Palette.color(entry.method),
                        points: thresholds.map(point), showLine: false, marker: .square, hollow: true))
            }
        }
        guard series.contains(where: { !$0.points.isEmpty }) else { return nil }
        let chart = LineChart(
            title: "Stability of each rule", xLabel: "mean kept fraction over replicates", yLabel: "stability Φ̂",
            series: series, width: 380, plotHeight: 210, yIncludesZero: true, xDomain: 0...1, id: "stability")
        return ReportSection.Figure(
            name: "stability", chart: chart,
            caption: "Nogueira et al.'s stability of every rule (top ratios and thresholds, at the mean size of their "
                + "replicate selections) with its 95 % interval; the table below names each point.")
    }

    private func stabilityTable(_ confidence: ScanResults.Confidence) -> ReportTable {
        var rows: [[String]] = []
        for entry in confidence.methods {
            for rule in entry.rules {
                let sure = rule.selectionProbability.filter { $0 >= 0.9 }.count
                rows.append([
                    entry.method.rawValue, rule.rule.label, Markup.number(rule.meanK, decimals: 1),
                    Markup.number(rule.stability, decimals: 3),
                    "[\(Markup.number(rule.stabilityLow, decimals: 3)), \(Markup.number(rule.stabilityHigh, decimals: 3))]",
                    String(sure),
                ])
            }
        }
        return ReportTable(
            id: "stability", caption: "Stability per rule (dimensions kept in ≥ 90 % of replicates beside it)",
            columns: [
                .init("method"), .init("rule"), .init("mean k", numeric: true), .init("stability", numeric: true),
                .init("95 % interval"), .init("kept ≥ 90 %", numeric: true),
            ], rows: rows)
    }

    /// Spearman's ρ of every pair of score vectors, as a matrix.
    private func agreementMatrix(_ confidence: ScanResults.Confidence) -> ReportTable {
        var methods: [ScanSpec.Method] = []
        for pair in confidence.agreement where pair.measure == "spearman" {
            for method in pair.methods where !methods.contains(method) { methods.append(method) }
        }
        func cell(_ a: ScanSpec.Method, _ b: ScanSpec.Method) -> String {
            if a == b { return "1" }
            guard
                let pair = confidence.agreement.first(where: {
                    $0.measure == "spearman" && Set($0.methods) == Set([a, b])
                })
            else { return "—" }
            return Markup.number(pair.value, decimals: 2) + interval(pair)
        }
        return ReportTable(
            id: "agreement-spearman",
            caption: "Method agreement: Spearman's ρ of the score vectors [95 % interval over replicates]",
            columns: [.init("method")] + methods.map { .init($0.rawValue) },
            rows: methods.map { a in [a.rawValue] + methods.map { cell(a, $0) } })
    }

    /// The Jaccard index of every pair of selections under every rule, beside two random selections'.
    private func jaccardTable(_ confidence: ScanResults.Confidence) -> ReportTable {
        let rows = confidence.agreement.filter { $0.measure == "jaccard" }.map { pair -> [String] in
            [
                pair.rule?.label ?? "—", pair.methods.map(\.rawValue).joined(separator: " vs "),
                Markup.number(pair.value, decimals: 3) + interval(pair), Markup.number(pair.random, decimals: 3),
                pair.resampled.isEmpty ? "none" : pair.resampled.map(\.rawValue).joined(separator: ", "),
            ]
        }
        return ReportTable(
            id: "agreement-jaccard",
            caption: "Jaccard index of two methods' selections under each rule [95 % interval], and the expected "
                + "index of two random selections of the same sizes",
            columns: [
                .init("rule"), .init("methods"), .init("Jaccard", numeric: true), .init("random pair", numeric: true),
                .init("resampled in the interval"),
            ], rows: rows, collapsed: rows.count > 12)
    }

    private func interval(_ pair: ScanResults.Agreement) -> String {
        guard let low = pair.low, let high = pair.high else { return "" }
        return " [\(Markup.number(low, decimals: 2)), \(Markup.number(high, decimals: 2))]"
    }

    /// Each trained `stable:π` cell beside the same method's top-ratio cell nearest in k: the test metric's
    /// mean ± std over seeds and their difference (sizes differ unless the grid has a ratio at that k).
    private func stableComparison(_ context: ReportContext) -> ReportTable? {
        let stable = context.summaries.filter {
            if case .threshold(.stable) = $0.cell.rule { return true } else { return false }
        }
        guard !stable.isEmpty else { return nil }
        let rows = stable.map { summary -> [String] in
            let nearest = context.summaries.filter {
                $0.cell.method == summary.cell.method && $0.cell.labelVariance == summary.cell.labelVariance
                    && $0.cell.rule.ratio != nil
            }.min { abs($0.k - summary.k) < abs($1.k - summary.k) }
            let own = summary.metrics[context.testKey]
            let other = nearest?.metrics[context.testKey]
            func text(_ statistics: ScanResults.SeedStatistics?) -> String {
                guard let statistics else { return "—" }
                return Markup.number(statistics.mean, decimals: 3) + " ± " + Markup.number(statistics.std, decimals: 3)
            }
            let difference = own.flatMap { a in other.map { a.mean - $0.mean } }
            return [
                summary.cell.method.rawValue, summary.cell.rule.label, summary.cell.labelVariance.rawValue,
                String(summary.k), text(own), nearest.map { "\($0.cell.rule.label) (k = \($0.k))" } ?? "—", text(other),
                Markup.number(difference, decimals: 3),
            ]
        }
        return ReportTable(
            id: "stable-versus-ratio",
            caption:
                "Stable selections against the top-ratio selection nearest in size: \(context.metricLabel(context.testKey)), "
                + "mean ± std over seeds (a difference within the stds is no evidence either way)",
            columns: [
                .init("method"), .init("rule"), .init("label variance"), .init("k", numeric: true), .init("stable"),
                .init("nearest ratio"), .init("ratio"), .init("difference", numeric: true),
            ], rows: rows)
    }
}
