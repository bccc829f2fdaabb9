import Foundation
import ScanModel

extension ScanReport {
    /// Learning curves: per method, one figure of two panels (dev metric and training loss against epoch),
    /// a line per model, coloured by selection rule; and the models whose best dev metric came at their last
    /// epoch, flagged — early stopping never saw them get worse, so they may not have converged.
    func learningCurvesSection(_ context: ReportContext) -> ReportSection {
        var section = ReportSection(id: "learning-curves", title: "Learning curves and convergence")
        let epochs = results.run.spec.training.epochs
        section.intro =
            "Every model's dev \(context.primary.label) (the metric early stopping watches, mean over targets) and "
            + "training loss per epoch, as the training job recorded them. A model whose best dev value came at "
            + "its last epoch stopped while still improving (or at the \(epochs)-epoch limit) and may not have "
            + "converged."
        if results.models.isEmpty {
            section.notes.append(context.unavailable("Trained models", phase: "grid"))
            return section
        }
        let unconverged = results.models.filter(\.reachedBestAtLastEpoch).sorted {
            $0.cell != $1.cell ? $0.cell < $1.cell : $0.seed < $1.seed
        }
        if unconverged.isEmpty {
            section.findings.append(
                "Every one of the \(results.models.count) models passed its best dev \(context.primary.label) before it "
                    + "stopped: early stopping saw each of them converge.")
        } else {
            section.findings.append(
                "\(unconverged.count) of \(results.models.count) models reached their best dev "
                    + "\(context.primary.label) at their last epoch, so they may not have converged; more epochs "
                    + "(training.epochs, \(epochs) in this scan) could raise their numbers. They are listed below and "
                    + "marked \"no\" in the models table.")
        }
        let curves = results.models.filter { !($0.learningCurve ?? []).isEmpty }
        if curves.isEmpty {
            section.notes.append(
                "This results file has no per-epoch records (written before they were recorded), so no curves.")
        } else if context.includeFigures {
            for method in Set(curves.map(\.method)).sorted() {
                section.figures.append(
                    learningCurveFigure(context, models: curves.filter { $0.method == method }, method: method))
            }
        }
        if !unconverged.isEmpty {
            section.tables.append(
                ReportTable(
                    id: "unconverged-table", caption: "Models whose best dev metric came at their last epoch",
                    columns: [
                        .init("method"), .init("rule"), .init("label variance"), .init("seed", numeric: true),
                        .init("best epoch", numeric: true), .init("epochs", numeric: true),
                        .init("dev \(context.primary.rawValue)", numeric: true),
                    ],
                    rows: unconverged.map { model in
                        [
                            model.method.rawValue, model.rule.label, model.labelVariance.rawValue, String(model.seed),
                            String(model.bestEpoch), String(model.epochsTrained), Markup.number(model[context.devKey]),
                        ]
                    }, collapsed: unconverged.count > 24))
        }
        return section
    }

    /// One method's models: dev metric (left) and training loss (right) against epoch; a line per model,
    /// coloured by rule (dashed for `off` when both label-variance modes were trained); a hollow ring on the
    /// last point of a model that was still improving.
    private func learningCurveFigure(_ context: ReportContext, models: [TrainedModelResult], method: ScanSpec.Method)
        -> ReportSection.Figure
    {
        let rules = Array(Set(models.map(\.rule))).sorted()
        let modes = Array(Set(models.map(\.labelVariance))).sorted()
        let ordered = models.sorted { $0.cell != $1.cell ? $0.cell < $1.cell : $0.seed < $1.seed }
        var dev: [LineChart.Series] = []
        var loss: [LineChart.Series] = []
        var listed: Set<String> = []
        var rings: [LineChart.Point] = []
        for model in ordered {
            let curve = model.learningCurve ?? []
            let rule = rules.firstIndex(of: model.rule) ?? 0
            let color = method == .full ? Palette.black : Palette.sequence[rule % Palette.sequence.count]
            let label = model.rule.label + (modes.count > 1 ? " · \(model.labelVariance.rawValue)" : "")
            let name = "\(method.rawValue) \(model.rule.label) \(model.labelVariance.rawValue) seed \(model.seed)"
            let dash = modes.count > 1 && model.labelVariance == .off ? "5 3" : nil
            let first = listed.insert(label).inserted
            dev.append(
                LineChart.Series(
                    name: name, color: color,
                    points: curve.map { LineChart.Point(x: Double($0.epoch), y: $0.devMetric) }, marker: nil,
                    dash: dash, lineWidth: 1.4, opacity: 0.85, inLegend: first, legendLabel: label))
            loss.append(
                LineChart.Series(
                    name: name, color: color,
                    points: curve.map { LineChart.Point(x: Double($0.epoch), y: $0.trainLoss) }, marker: nil,
                    dash: dash, lineWidth: 1.4, opacity: 0.85, inLegend: false))
            if model.reachedBestAtLastEpoch, let last = curve.last {
                rings.append(
                    LineChart.Point(x: Double(last.epoch), y: last.devMetric, note: "\(name): best at the last epoch"))
            }
        }
        if !rings.isEmpty {
            dev.append(
                LineChart.Series(
                    name: "best at last epoch", color: Palette.black, points: rings, showLine: false,
                    marker: .circle, hollow: true))
        }
        let panelWidth = 520.0
        let devChart = LineChart(
            title: "\(method.rawValue): dev \(context.primary.label)", xLabel: "epoch",
            yLabel: "dev \(context.primary.label)", series: dev, width: panelWidth + 170, plotHeight: 220,
            legend: .beside, legendColumn: 170)
        let lossChart = LineChart(
            title: "\(method.rawValue): training loss", xLabel: "epoch", yLabel: "train loss", series: loss,
            width: 400, plotHeight: 220)
        let height = max(devChart.height, lossChart.height)
        var canvas = SVGCanvas(width: devChart.width + lossChart.width, height: height)
        canvas.raw(devChart.render(origin: (0, 0)))
        canvas.raw(lossChart.render(origin: (devChart.width, 0)))
        let csv = [("dev", devChart), ("train_loss", lossChart)].map { panel, chart in
            chart.csv().split(separator: "\n").dropFirst().map { "\(panel),\($0)" }.joined(separator: "\n")
        }.joined(separator: "\n")
        var caption =
            "\(method.rawValue): \(models.count) model\(models.count == 1 ? "" : "s"), a line per model (seeds share "
            + "their rule's colour)"
        if modes.count > 1 { caption += "; dashed: label variance off" }
        caption += "."
        if !rings.isEmpty {
            caption +=
                " \(Palette.name(of: Palette.black).capitalized) rings: \(rings.count) model\(rings.count == 1 ? "" : "s") still improving at the last epoch."
        }
        return ReportSection.Figure(
            name: "learning-curves-\(method.rawValue)",
            svg: canvas.render(title: "\(method.rawValue): learning curves"),
            csv: "panel,series,x,y,lower,upper,on_axis\n" + csv + "\n", caption: caption)
    }
}
