import ScanModel

/// `results.csv`: one row per trained model, one column per metric key (split, condition, utterance set,
/// target, metric) that any model has, so a spreadsheet or pandas reads the whole grid at once. In a layered
/// scan `layer` names the layer a cell's columns come from (empty for cells across layers and one-layer scans).
enum ResultsCSV {
    /// The columns before the metric columns.
    static let leadingColumns = ["method", "rule", "ratio", "threshold", "k", "seed", "label_variance", "decoder"]
    /// The columns after them.
    static let trailingColumns = [
        "params", "params_ratio", "seconds_to_best", "seconds_total", "best_epoch", "epochs_trained",
        "best_epoch_is_last", "model_path", "task_id", "layer",
    ]

    /// The metric keys in column order.
    static func metricKeys(_ results: ScanResults) -> [ScanResults.MetricKey] {
        Set(results.models.flatMap { $0.metrics.map(\.key) }).sorted()
    }

    /// The whole file, RFC 4180 style (CRLF-free: `\n` line ends, fields quoted when they need it).
    static func render(_ results: ScanResults) -> String {
        let keys = metricKeys(results)
        var lines = [(leadingColumns + keys.map(\.description) + trailingColumns).map(field).joined(separator: ",")]
        // The layer a cell is confined to: its own (`layer3/...`) or the one its best-layer selection chose.
        var chosenLayer: [String: Int] = [:]
        for selection in results.selections {
            if let layer = selection.layer { chosenLayer["\(selection.method) \(selection.rule)"] = layer }
        }
        let models = results.models.sorted { a, b in
            a.cell != b.cell ? a.cell < b.cell : a.seed < b.seed
        }
        for model in models {
            var values: [String] = [
                model.method.rawValue, model.rule.description, model.rule.ratio.map { "\($0)" } ?? "",
                model.rule.threshold?.description ?? "", String(model.k), String(model.seed),
                model.labelVariance.rawValue, model.decoder.rawValue,
            ]
            var byKey: [ScanResults.MetricKey: Double] = [:]
            for value in model.metrics { byKey[value.key] = value.value }
            values += keys.map { key in byKey[key].map { "\($0)" } ?? "" }
            values += [
                String(model.params), "\(model.paramsRatio)", "\(model.secondsToBest)", "\(model.secondsTotal)",
                String(model.bestEpoch), String(model.epochsTrained), String(model.reachedBestAtLastEpoch),
                model.modelPath ?? "", model.taskId ?? "",
                (model.rule.layer ?? chosenLayer["\(model.method) \(model.rule)"]).map(String.init) ?? "",
            ]
            lines.append(values.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A field, quoted (with doubled quotes) when it holds a comma, quote or line break.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
