import Numerics

extension ScanSpec {
    /// Every problem of the spec on its own (without the dataset), each naming its field; empty when valid.
    ///
    /// A scan is submitted only when this is empty, so a bad spec fails before any work starts.
    public func validate() -> [ScanSpecProblem] {
        var problems: [ScanSpecProblem] = []
        func check(_ condition: Bool, _ field: String, _ message: @autoclosure () -> String) {
            if !condition { problems.append(ScanSpecProblem(field, message())) }
        }
        func checkUnique<Item: Hashable>(_ items: [Item], _ field: String, _ show: (Item) -> String) {
            var seen = Set<Item>()
            for (index, item) in items.enumerated() where !seen.insert(item).inserted {
                problems.append(ScanSpecProblem("\(field)[\(index)]", "\"\(show(item))\" is listed twice"))
            }
        }

        // [dataset]
        check(!name.isEmpty, "name", "must not be empty")
        problems += Self.relativePathProblems(dataset.directory, field: "dataset.directory")
        if case .only(let targets) = dataset.targets {
            check(!targets.isEmpty, "dataset.targets", "empty; list at least one target or write \"all\"")
            checkUnique(targets, "dataset.targets") { $0 }
        }
        if case .only(let conditions) = dataset.conditions {
            checkUnique(conditions, "dataset.conditions") { $0 }
            for (index, condition) in conditions.enumerated() where condition == "clean" {
                problems.append(
                    ScanSpecProblem(
                        "dataset.conditions[\(index)]", "\"clean\" is always evaluated; list only distorted conditions")
                )
            }
        }

        problems += layerProblems()

        // [selection]
        let methods = selection.methods
        check(!methods.isEmpty, "selection.methods", "empty; list at least one method")
        checkUnique(methods, "selection.methods") { $0.rawValue }
        checkUnique(selection.ratios, "selection.ratios") { ScanSpec.shortNumber($0) }
        for (index, ratio) in selection.ratios.enumerated() {
            check(
                ratio > 0 && ratio <= 1, "selection.ratios[\(index)]",
                "\(ScanSpec.shortNumber(ratio)) is outside (0, 1]; a ratio is the kept fraction of dimensions")
        }
        checkUnique(selection.thresholds, "selection.thresholds") { $0.description }
        for (index, rule) in selection.thresholds.enumerated() {
            if let outOfRange = rule.rangeProblem {
                problems.append(ScanSpecProblem("selection.thresholds[\(index)]", outOfRange))
            }
        }
        let selecting = methods.filter { $0 != .full }
        if !selecting.isEmpty && selection.ratios.isEmpty
            && (selection.thresholds.isEmpty || !methods.contains(where: \.takesThresholds))
        {
            problems.append(
                ScanSpecProblem(
                    "selection.ratios",
                    "empty, and no threshold applies; "
                        + "\(selecting.map(\.rawValue).joined(separator: ", ")) need ratios or thresholds"))
        }
        if !selection.thresholds.isEmpty && !methods.isEmpty && !methods.contains(where: \.takesThresholds) {
            problems.append(
                ScanSpecProblem(
                    "selection.thresholds",
                    "no listed method takes thresholds (ccs, mis, mis-hist, ig); remove them or add such a method"))
        }

        // [mis], [ig]
        check(mis.neighbours >= 1, "mis.neighbours", "must be at least 1, found \(mis.neighbours)")
        check(mis.bins >= 2, "mis.bins", "must be at least 2, found \(mis.bins)")
        check(ig.steps >= 1, "ig.steps", "must be at least 1, found \(ig.steps)")

        // [decoder]
        if decoder.kind == .tcGRU {
            check(
                decoder.convChannels >= 1, "decoder.conv_channels", "must be at least 1, found \(decoder.convChannels)")
            check(
                decoder.kernel >= 1 && decoder.kernel % 2 == 1, "decoder.kernel",
                "must be a positive odd number (same padding), found \(decoder.kernel)")
        }
        check(decoder.gruUnits >= 1, "decoder.gru_units", "must be at least 1, found \(decoder.gruUnits)")
        check(decoder.gruLayers >= 1, "decoder.gru_layers", "must be at least 1, found \(decoder.gruLayers)")
        check(decoder.ffUnits >= 1, "decoder.ff_units", "must be at least 1, found \(decoder.ffUnits)")
        check(
            decoder.dropout >= 0 && decoder.dropout < 1, "decoder.dropout",
            "must be in [0, 1), found \(ScanSpec.shortNumber(decoder.dropout))")

        // [training]
        if let modes = training.labelVariance {
            check(!modes.isEmpty, "training.label_variance", "empty; list std-aux, off or both (or leave it out)")
            checkUnique(modes, "training.label_variance") { $0.rawValue }
        }
        check(!training.seeds.isEmpty, "training.seeds", "empty; list at least one seed")
        checkUnique(training.seeds, "training.seeds") { String($0) }
        for (index, seed) in training.seeds.enumerated() {
            check(seed >= 0, "training.seeds[\(index)]", "must not be negative, found \(seed)")
        }
        check(training.epochs >= 1, "training.epochs", "must be at least 1, found \(training.epochs)")
        check(training.batchSize >= 1, "training.batch_size", "must be at least 1, found \(training.batchSize)")
        check(
            training.learningRate > 0 && training.learningRate.isFinite, "training.learning_rate",
            "must be a positive number, found \(training.learningRate)")
        check(training.patience >= 1, "training.patience", "must be at least 1, found \(training.patience)")
        check(
            training.varianceWeight >= 0 && training.varianceWeight.isFinite, "training.variance_weight",
            "must be zero or positive, found \(training.varianceWeight)")
        if let memory = training.memoryMib {
            check(memory >= 1, "training.memory_mib", "must be at least 1 (MiB), found \(memory)")
        }

        // [output], [cluster]
        check(!output.directory.isEmpty, "output.directory", "must not be empty")
        check(
            cluster.dimensionBlock >= 1, "cluster.dimension_block",
            "must be at least 1, found \(cluster.dimensionBlock)")
        check(
            cluster.utterancesPerTask >= 1, "cluster.utterances_per_task",
            "must be at least 1, found \(cluster.utterancesPerTask)")

        // [confidence]: replicates bounded here; the size of a partial, which needs D, against the dataset.
        if let confidence {
            check(
                (2...BootstrapLimits.maximumReplicates).contains(confidence.replicates), "confidence.replicates",
                "must be an integer in 2...\(BootstrapLimits.maximumReplicates), found \(confidence.replicates)")
        }
        let stable = selection.thresholds.filter { if case .stable = $0 { return true } else { return false } }
        if !stable.isEmpty && confidence == nil {
            problems.append(
                ScanSpecProblem(
                    "selection.thresholds",
                    "\(stable.map(\.description).joined(separator: ", ")) needs bootstrap replicates; add "
                        + "[confidence] replicates = 100"))
        }
        if !stable.isEmpty && !selection.methods.contains(.ccs) {
            problems.append(
                ScanSpecProblem(
                    "selection.thresholds",
                    "stable:π applies to methods with replicates, and only ccs has them; add ccs to selection.methods"))
        }
        return problems + fusionProblems()
    }

    /// Every problem of the spec against a dataset's facts: targets and conditions it lacks, label variance
    /// without rater spread, a loss that does not fit the task. Empty when the spec fits the dataset.
    public func validate(against dataset: some DatasetDescription) -> [ScanSpecProblem] {
        var problems: [ScanSpecProblem] = []
        func listing(_ names: [String]) -> String { names.isEmpty ? "none" : names.joined(separator: ", ") }

        if case .only(let targets) = self.dataset.targets {
            for (index, target) in targets.enumerated() where !dataset.targets.contains(target) {
                problems.append(
                    ScanSpecProblem(
                        "dataset.targets[\(index)]",
                        "the dataset has no target \"\(target)\"; it has \(listing(dataset.targets))"))
            }
        }
        if case .only(let conditions) = self.dataset.conditions {
            let distorted = dataset.conditions.filter { $0 != "clean" }
            for (index, condition) in conditions.enumerated()
            where condition != "clean" && !dataset.conditions.contains(condition) {
                problems.append(
                    ScanSpecProblem(
                        "dataset.conditions[\(index)]",
                        "the dataset has no condition \"\(condition)\"; its distorted conditions are \(listing(distorted))"
                    ))
            }
        }
        if let modes = training.labelVariance, !dataset.hasRaterSpread {
            // Every mode but off trains on the raters' spread or distribution.
            for mode in modes where mode != .off {
                problems.append(
                    ScanSpecProblem(
                        "training.label_variance",
                        "\(mode.rawValue) needs rater spread, and the dataset has neither ratings nor label_std; "
                            + "use [\"off\"]"))
            }
        }
        if let modes = training.labelVariance, dataset.task == "binary" {
            for mode in modes where mode == .nll || mode == .distribution {
                problems.append(
                    ScanSpecProblem(
                        "training.label_variance",
                        "\(mode.rawValue) models ratings on a scale, and the dataset is binary; use std-aux, "
                            + "weighted or off"))
            }
        }
        if dataset.task != "regression" && dataset.task != "binary" {
            problems.append(
                ScanSpecProblem("dataset", "the dataset's task \"\(dataset.task)\" is neither regression nor binary"))
        }
        if training.loss == .bce && dataset.task == "regression" {
            problems.append(
                ScanSpecProblem("training.loss", "bce needs 0/1 targets, and the dataset's task is regression"))
        }
        if dataset.dimension < 1 {
            problems.append(ScanSpecProblem("dataset", "the dataset's embedding width is \(dataset.dimension)"))
        }
        if let confidence, dataset.dimension >= 1 {
            let targets: Int
            if case .only(let names) = self.dataset.targets {
                targets = names.count
            } else {
                targets = dataset.targets.count
            }
            if let problem = BootstrapLimits.problem(
                replicates: confidence.replicates, dimensions: dataset.dimension, targets: max(1, targets))
            {
                problems.append(ScanSpecProblem("confidence.replicates", problem))
            }
        }
        return problems
    }

    /// Problems of a path that must stay inside a root: empty, absolute, or climbing out with `..`.
    static func relativePathProblems(_ path: String, field: String) -> [ScanSpecProblem] {
        if path.isEmpty { return [ScanSpecProblem(field, "must not be empty")] }
        if path.hasPrefix("/") {
            return [ScanSpecProblem(field, "\"\(path)\" is absolute; give it relative to the data root")]
        }
        var depth = 0
        for component in path.split(separator: "/") {
            if component == ".." { depth -= 1 } else if component != "." { depth += 1 }
            if depth < 0 {
                return [ScanSpecProblem(field, "\"\(path)\" climbs out of the data root with \"..\"")]
            }
        }
        return []
    }
}
