extension ScanSpec {
    /// The spec as a TOML document that ``parse(toml:source:)`` reads back to an equal spec; every field is
    /// written out, so the file also records the defaults a run used.
    public func tomlText() -> String {
        func string(_ text: String) -> String {
            var escaped = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case "\n": escaped += "\\n"
                case "\t": escaped += "\\t"
                case "\r": escaped += "\\r"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F {
                        escaped += "\\u" + format4(scalar.value)
                    } else {
                        escaped.unicodeScalars.append(scalar)
                    }
                }
            }
            return escaped + "\""
        }
        func format4(_ value: UInt32) -> String {
            let hex = String(value, radix: 16, uppercase: true)
            return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        func float(_ value: Double) -> String {
            let text = "\(value)"
            return text.contains(".") || text.contains("e") || text.contains("n") ? text : text + ".0"
        }
        func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
        func subset(_ value: Subset) -> String {
            switch value {
            case .all: return string("all")
            case .only(let names): return list(names.map(string))
            }
        }

        var lines = ["name = \(string(name))", ""]
        lines += [
            "[dataset]", "directory = \(string(dataset.directory))", "targets = \(subset(dataset.targets))",
            "pooling = \(string(dataset.pooling.rawValue))", "conditions = \(subset(dataset.conditions))",
        ]
        switch dataset.layers {
        case .none: break
        case .all: lines.append("layers = \(string("all"))")
        case .only(let numbers): lines.append("layers = \(list(numbers.map(String.init)))")
        }
        lines.append("")
        lines += [
            "[selection]", "methods = \(list(selection.methods.map { string($0.rawValue) }))",
            "ratios = \(list(selection.ratios.map(float)))",
            "thresholds = \(list(selection.thresholds.map { string($0.description) }))", "",
        ]
        lines += [
            "[mis]", "neighbours = \(mis.neighbours)", "bins = \(mis.bins)", "miller_madow = \(mis.millerMadow)", "",
        ]
        lines += ["[ig]", "steps = \(ig.steps)", "method = \(string(ig.method.rawValue))", ""]
        lines += ["[decoder]", "kind = \(string(decoder.kind.rawValue))"]
        if decoder.kind == .tcGRU {
            lines += ["conv_channels = \(decoder.convChannels)", "kernel = \(decoder.kernel)"]
        }
        lines += [
            "gru_units = \(decoder.gruUnits)", "gru_layers = \(decoder.gruLayers)", "ff_units = \(decoder.ffUnits)",
            "dropout = \(float(decoder.dropout))", "",
        ]
        lines.append("[training]")
        if let modes = training.labelVariance {
            lines.append("label_variance = \(list(modes.map { string($0.rawValue) }))")
        } else {
            lines.append("# label_variance: std-aux when the dataset has rater spread, else off")
        }
        lines += [
            "seeds = \(list(training.seeds.map(String.init)))", "epochs = \(training.epochs)",
            "batch_size = \(training.batchSize)", "learning_rate = \(float(training.learningRate))",
            "patience = \(training.patience)", "loss = \(string(training.loss.rawValue))",
            "variance_weight = \(float(training.varianceWeight))",
        ]
        if let memory = training.memoryMib { lines.append("memory_mib = \(memory)") }
        lines.append("")
        lines += ["[output]", "directory = \(string(output.directory))", ""]
        lines += [
            "[cluster]", "dimension_block = \(cluster.dimensionBlock)",
            "utterances_per_task = \(cluster.utterancesPerTask)",
        ]
        if let layers {
            lines += [
                "", "[layers]", "grid = \(list(layers.grid.map { string($0.rawValue) }))",
                "score = \(string(layers.score.description))", "probe_epochs = \(layers.probeEpochs)",
                "mix = \(layers.mix)",
            ]
        }
        if let confidence {
            lines += ["", "[confidence]", "replicates = \(confidence.replicates)", "seed = \(confidence.seed)"]
            if let mis = confidence.mis { lines.append("mis = \(mis)") }
        }
        lines += fusionTOMLLines(quote: string)
        return lines.joined(separator: "\n") + "\n"
    }
}
