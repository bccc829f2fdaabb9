import Foundation
import ScanModel

/// What every section needs, computed once: the aggregation over seeds and the keys plotted.
struct ReportContext {
    let results: ScanResults
    let summaries: [ScanResults.SeedSummary]
    let primary: ScanResults.Metric
    let testKey: ScanResults.MetricKey
    let devKey: ScanResults.MetricKey
    let dimension: Int
    let modes: [ScanSpec.LabelVarianceMode]
    let includeFigures: Bool

    init(results: ScanResults, includeFigures: Bool) {
        self.results = results
        summaries = results.seedSummaries()
        primary = results.primaryMetric
        testKey = ScanResults.MetricKey(split: .test, metric: primary)
        devKey = ScanResults.MetricKey(split: .dev, metric: primary)
        dimension = max(results.run.dataset.dimension, 1)
        modes = Array(Set(summaries.map(\.cell.labelVariance))).sorted()
        self.includeFigures = includeFigures
    }

    var inProgress: Bool { results.run.status.isInProgress }

    /// "not yet available" while the run goes on; "missing" once it stopped (then something failed).
    func unavailable(_ what: String, phase: String? = nil) -> String {
        if inProgress {
            let state = phase.flatMap { results.run.phase($0) }.map { " (phase \($0.name): \($0.state.rawValue))" }
            return "\(what): not yet available — the run is in progress\(state ?? "")."
        }
        return "\(what): not available — the run \(results.run.status.rawValue) without producing it."
    }

    func metricLabel(_ key: ScanResults.MetricKey) -> String {
        let target = key.target ?? (results.run.dataset.targets.count > 1 ? "mean over targets" : nil)
        return "\(key.split.rawValue) \(key.metric.label)" + (target.map { " (\($0))" } ?? "")
    }

    func keptFraction(_ k: Int) -> Double { Double(k) / Double(dimension) }

    /// The layers a layered scan read (1 for any other scan).
    var layerCount: Int { max(results.layers?.layers.count ?? 1, 1) }

    /// Whether a grid cell trains on all D columns through one decoder: `full`, and a ratio of 1 in a scan of
    /// one layer (there it keeps every dimension whatever the method; across layers it keeps one layer's width).
    func isFullWidth(_ cell: ScanResults.GridCell) -> Bool {
        cell.rule == .full || (cell.rule.ratio == 1 && results.layers == nil)
    }

    /// A grid cell's name in figure labels: `ccs 25%`, `full`, `full mix`, `ccs best 25%`.
    func cellLabel(_ cell: ScanResults.GridCell) -> String {
        cell.rule == .full ? cell.method.rawValue : "\(cell.method.rawValue) \(cell.rule.label)"
    }
}

extension ScanReport {
    func sections(includeFigures: Bool) -> [ReportSection] {
        let context = ReportContext(results: results, includeFigures: includeFigures)
        // The confidence section only with bootstrap replicates, the layers section only for a layered scan:
        // a run without them renders as before.
        return [
            summarySection(context), overviewSection(context), progressSection(context), scoresSection(context),
        ] + [confidenceSection(context), layersSection(context)].compactMap { $0 } + [
            keptFractionSection(context),
            parametersSection(context), learningCurvesSection(context), robustnessSection(context),
            labelVarianceSection(context),
        ] + [fusionSection(context)].compactMap { $0 } + [selectionsSection(context), modelsSection(context)]
    }

    /// Grid cells × seeds the spec asks for (modes as trained so far when the spec leaves them to the dataset).
    func expectedModelCount(_ context: ReportContext) -> Int {
        let spec = results.run.spec
        let layers = results.run.dataset.layers ?? []
        let cells = spec.selection.methods.reduce(0) { $0 + spec.gridCells(of: $1, layers: layers) }
        let modes = spec.training.labelVariance?.count ?? max(context.modes.count, 1)
        return cells * modes * spec.training.seeds.count
    }

    // MARK: - Overview and progress

    func overviewSection(_ context: ReportContext) -> ReportSection {
        let run = results.run
        let dataset = run.dataset
        let spec = run.spec
        var section = ReportSection(id: "overview", title: "Overview")
        let expected = expectedModelCount(context)
        let shared = results.models.count(where: \.isShared)
        let sharing =
            shared == 0
            ? "" : " (\(results.models.count - shared) trained; \(shared) cells reuse the same model of another cell)"
        section.intro =
            "Run \(run.id) on \(dataset.directory): \(run.status.rawValue). \(results.models.count) of \(expected) "
            + "models trained\(sharing); metrics are \(context.primary.label) unless a column says otherwise, "
            + "averaged over targets where no target is named."
        if context.inProgress {
            let done = run.phases.filter { $0.state == .done }.count
            section.notes.append(
                "This run is in progress: \(done) of \(run.phases.count) phases done. The report shows what has "
                    + "finished so far; sections say what is not yet available. Run salience report again to refresh.")
        }
        if run.status == .failed {
            section.notes.append(
                "The run failed: \(run.failedTasks.count) task(s) failed for good; see Progress. Numbers below come only "
                    + "from tasks that succeeded.")
        }
        var rows: [[String]] = [
            ["run id", run.id], ["status", run.status.rawValue], ["dataset", dataset.directory],
            ["encoder", dataset.encoder ?? "—"], ["task", dataset.task],
            ["targets", dataset.targets.joined(separator: ", ")],
            ["conditions", dataset.conditions.joined(separator: ", ")], ["dimension D", String(dataset.dimension)],
        ]
        if let counts = dataset.utterances {
            rows.append(["utterances train / dev / test", "\(counts.train) / \(counts.dev) / \(counts.test)"])
        }
        rows += [
            ["started", Markup.date(run.startedAt)], ["finished", Markup.date(run.finishedAt)],
            ["wall time", Markup.duration(run.finishedAt.map { $0.timeIntervalSince(run.startedAt) })],
            ["models trained", "\(results.models.count) of \(expected)\(sharing)"],
        ]
        section.tables.append(
            ReportTable(
                id: "run-table", caption: "The run", columns: [.init("field"), .init("value")], rows: rows))

        let decoder = spec.decoder
        let decoderText =
            decoder.kind == .tcGRU
            ? "tc-gru: conv \(decoder.convChannels) ch, kernel \(decoder.kernel); GRU \(decoder.gruUnits) x "
                + "\(decoder.gruLayers); FF \(decoder.ffUnits); dropout \(ScanSpecText.number(decoder.dropout))"
            : "gru-ff: GRU \(decoder.gruUnits) x \(decoder.gruLayers); FF \(decoder.ffUnits); dropout "
                + ScanSpecText.number(decoder.dropout)
        var specRows: [[String]] = [
            ["name", spec.name], ["dataset.directory", spec.dataset.directory],
            ["dataset.targets", spec.dataset.targets.description], ["dataset.pooling", spec.dataset.pooling.rawValue],
            ["dataset.conditions", spec.dataset.conditions.description],
            ["selection.methods", spec.selection.methods.map(\.rawValue).joined(separator: ", ")],
            ["selection.ratios", spec.selection.ratios.map(ScanSpecText.number).joined(separator: ", ")],
            ["selection.thresholds", spec.selection.thresholds.map(\.description).joined(separator: ", ")],
            [
                "mis", "neighbours \(spec.mis.neighbours), bins \(spec.mis.bins), Miller–Madow \(spec.mis.millerMadow)",
            ],
            ["ig", "\(spec.ig.steps) steps, \(spec.ig.method.rawValue)"], ["decoder", decoderText],
            [
                "training.label_variance",
                spec.training.labelVariance?.map(\.rawValue).joined(separator: ", ") ?? "default for the dataset",
            ],
            ["training.seeds", spec.training.seeds.map(String.init).joined(separator: ", ")],
            [
                "training",
                "\(spec.training.epochs) epochs max, batch \(spec.training.batchSize), lr "
                    + "\(ScanSpecText.number(spec.training.learningRate)), patience \(spec.training.patience), loss "
                    + "\(spec.training.loss.rawValue), λ \(ScanSpecText.number(spec.training.varianceWeight))"
                    + (spec.training.memoryMib.map { ", memory \($0) MiB per task" } ?? ""),
            ],
            ["output.directory", spec.output.directory],
            [
                "cluster",
                "dimension block \(spec.cluster.dimensionBlock), \(spec.cluster.utterancesPerTask) utterances per task",
            ],
        ]
        specRows += optionalSpecRows(spec, layered: context.layerCount > 1)
        section.tables.append(
            ReportTable(
                id: "spec-table", caption: "The scan spec", columns: [.init("field"), .init("value")], rows: specRows))
        return section
    }

    /// Rows of the spec table for its optional sections, only where the run used them: the layers read and
    /// how the grid crossed them, bootstrap replicates, late fusion.
    func optionalSpecRows(_ spec: ScanSpec, layered: Bool) -> [[String]] {
        var rows: [[String]] = []
        if layered || spec.dataset.layers != nil {
            rows.append(["dataset.layers", spec.dataset.layers?.description ?? "all"])
        }
        if layered {
            let settings = spec.layerSettings
            rows.append([
                "layers",
                "grid \(settings.grid.map(\.rawValue).joined(separator: ", ")); layer score \(settings.score); probe "
                    + (settings.probeEpochs > 0 ? "\(settings.probeEpochs) epochs" : "off") + "; mix "
                    + (settings.mix ? "on" : "off"),
            ])
        }
        if let confidence = spec.confidence, confidence.isOn {
            rows.append(["confidence", "\(confidence.replicates) replicates, seed \(confidence.seed)"])
        }
        if let fusion = spec.fusion {
            rows.append([
                "fusion",
                "members \(fusion.members.map(\.description).joined(separator: ", ")); "
                    + fusion.methods.map(\.rawValue).joined(separator: ", "),
            ])
        }
        return rows
    }

    func progressSection(_ context: ReportContext) -> ReportSection {
        let run = results.run
        var section = ReportSection(id: "progress", title: "Progress and timings")
        section.intro =
            "Each phase of the task graph: tasks done, wall time, task time summed over workers, and the decoded "
            + "bytes its tasks read from the data root (shared storage) and from workers' local column caches."
        if run.phases.isEmpty { section.notes.append(context.unavailable("Phase records")) }
        let rows = run.phases.map { phase in
            [
                phase.name, phase.state.rawValue, "\(phase.tasksDone) / \(phase.tasksTotal)",
                Markup.date(phase.startedAt), Markup.number(phase.wallSeconds, decimals: 1),
                Markup.number(phase.taskSeconds, decimals: 1), Markup.bytes(phase.bytesFromDataRoot),
                Markup.bytes(phase.bytesFromCache),
            ]
        }
        section.tables.append(
            ReportTable(
                id: "phases-table", caption: "Phases",
                columns: [
                    .init("phase"), .init("state"), .init("tasks", numeric: true), .init("started"),
                    .init("wall s", numeric: true), .init("task s", numeric: true),
                    .init("from data root", numeric: true), .init("from cache", numeric: true),
                ], rows: rows))
        let shares = run.phases.flatMap { phase in (phase.workers ?? []).map { (phase.name, $0) } }
        if Set(shares.map(\.1.worker)).count > 1 {
            section.tables.append(
                ReportTable(
                    id: "workers-table", caption: "Work and reads per worker",
                    columns: [
                        .init("phase"), .init("worker"), .init("tasks", numeric: true), .init("task s", numeric: true),
                        .init("from data root", numeric: true), .init("from cache", numeric: true),
                    ],
                    rows: shares.map { name, share in
                        [
                            name, share.worker.isEmpty ? "?" : share.worker, String(share.tasks),
                            Markup.number(share.taskSeconds, decimals: 1), Markup.bytes(share.bytesFromDataRoot),
                            Markup.bytes(share.bytesFromCache),
                        ]
                    }))
        }
        if !run.failedTasks.isEmpty {
            section.notes.append("\(run.failedTasks.count) task(s) failed for good; their errors are below.")
            section.tables.append(
                ReportTable(
                    id: "failed-table", caption: "Failed tasks",
                    columns: [
                        .init("task"), .init("phase"), .init("what"), .init("attempts", numeric: true), .init("error"),
                    ],
                    rows: run.failedTasks.map { [$0.taskId, $0.phase, $0.summary, String($0.attempts), $0.error] }))
        }
        return section
    }
}

/// Numbers as written in a spec (no trailing zeros).
enum ScanSpecText {
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
