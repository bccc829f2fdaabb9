import ArgumentParser
import Attribution
import Foundation
import Learn
import Numerics
import Shards

/// `salience attribute MODEL DIR --out attributions.csv`: Integrated Gradients statistics per dimension.
struct AttributeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute",
        abstract: "Score every input dimension by the Integrated Gradients of a trained decoder (method B).",
        discussion: """
            Writes one row per input dimension of the model: dim, ig (mean |c| over utterances, averaged over \
            outputs), ig.std, ig.signed, ig.frame, and the same per output (ig.<target>, ...), where c is an \
            utterance's attribution summed over its frames. The mean |completeness delta| is printed and stored \
            beside the CSV (attributions.json for attributions.csv). The ig column feeds `salience select`.

            Examples:
              salience attribute model.h5 data --out attributions.csv
              salience attribute model.h5 data --method gauss-legendre --steps 20 \\
                --split dev --out ig-dev.csv
              salience select attributions.csv --by ig --threshold mean
            """)

    @Argument(help: "The trained decoder's checkpoint (HDF5, written by salience train).")
    var model: String

    @Argument(help: "The dataset directory (its clean shards are read).")
    var dataset: String

    @Option(help: "Integration steps m.")
    var steps = AttributionDefaults.steps

    @Option(help: "Integration rule: riemann-right (Captum riemann_right) or gauss-legendre (Captum gausslegendre).")
    var method = AttributionDefaults.method

    @Option(help: "The split whose utterances are attributed: train, dev or test.")
    var split = Split.train

    @Option(help: "The baseline: zero, or a text file of one number per model input (comma or space separated).")
    var baseline = "zero"

    @Option(help: "Which outputs to attribute: targets (the target means) or all (with std-aux spreads too).")
    var outputs = "targets"

    @Option(help: "Attribute at most this many utterances of the split (all by default), in dataset order.")
    var limit: Int?

    @Option(help: "Model replicas on threads (each with one BLAS thread).")
    var threads = 2

    @Option(help: "Where to write the CSV; the completeness summary goes beside it as .json.")
    var out: String

    func validate() throws {
        guard steps >= (method == .riemannRight ? 2 : 1) else {
            throw ValidationError("--steps must be at least \(method == .riemannRight ? 2 : 1) for \(method.rawValue).")
        }
        guard ["targets", "all"].contains(outputs) else {
            throw ValidationError("--outputs must be targets or all, not \(outputs).")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1.") }
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1.") }
    }

    func run() throws {
        let started = Date()
        let replicas: [TrainedModel]
        let catalog: DatasetCatalog
        do {
            replicas = try (0..<threads).map { _ in try Checkpoint.load(from: URL(fileURLWithPath: model)) }
            // A model trained on some layers of a layered dataset reads those layers (the model file says which).
            catalog = try DatasetCatalog(directory: URL(fileURLWithPath: dataset)).restricted(
                toLayers: replicas[0].datasetLayers)
        } catch let error as LearnError {
            throw CommandFailure(error.description)
        } catch let error as DatasetError {
            throw CommandFailure("\(dataset) is not a usable dataset:\n\(error.description)")
        }
        // Parallelism is over model replicas, so BLAS itself runs single-threaded (as in training).
        BLASThreads.set(1)
        let first = replicas[0]
        guard catalog.dimension == first.datasetWidth else {
            throw CommandFailure(
                "\(dataset) has D=\(catalog.dimension) but \(model) was trained on D=\(first.datasetWidth).")
        }
        let attributed = outputs == "all" ? Array(0..<first.outputCount) : Array(0..<first.targets.count)
        let ig = IntegratedGradients(
            steps: steps, method: method, baseline: try baselineValue(width: first.inputWidth))
        let total = min(limit ?? Int.max, catalog.utteranceCount(split: split))
        let job = AttributionJob(replicas: replicas, method: ig, outputs: attributed)
        var progress = CountProgress(label: "attribute", unit: "utterances", total: total)
        let outcome = try job.run(
            shards: catalog.shards(condition: ShardFormat.cleanCondition).map { (catalog.url(of: $0), nil) },
            split: split, limit: total, layers: first.datasetLayers
        ) { done in
            progress.show(done)
        }
        progress.finish()
        let statistics = outcome.statistics
        let attributing = outcome.attributionSeconds
        let names = attributed.map {
            $0 < first.targets.count ? first.targets[$0] : "\(first.targets[$0 - first.targets.count])_spread"
        }
        let table = try AttributionTable(statistics, dimensions: first.selection, outputNames: names)
        let csvURL = URL(fileURLWithPath: out)
        try table.csv.write(to: csvURL, atomically: true, encoding: .utf8)
        let summary = AttributionSummary(
            model: model, dataset: dataset, split: split.description, steps: steps, method: method.rawValue,
            baseline: baseline,
            utterances: statistics.count, outputs: names,
            meanAbsoluteCompletenessDelta: statistics.meanAbsoluteDelta,
            perOutput: names.indices.map {
                .init(
                    output: names[$0], meanAbsoluteDelta: statistics.meanAbsoluteDelta(output: $0),
                    maxAbsoluteDelta: statistics.maxAbsoluteDelta(output: $0))
            },
            seconds: Date().timeIntervalSince(started), attributionSeconds: attributing)
        let jsonURL = csvURL.deletingPathExtension().appendingPathExtension("json")
        try summary.write(to: jsonURL)
        print(
            "attributed \(statistics.count) \(split) utterances, \(statistics.width) dimensions, \(names.count) "
                + "output(s) with \(steps) \(method.rawValue) steps in \(String(format: "%.1f", summary.seconds)) s")
        print("mean |completeness delta| = \(statistics.meanAbsoluteDelta)")
        print("wrote \(csvURL.path) and \(jsonURL.path)")
    }

    private func baselineValue(width: Int) throws -> Baseline {
        if baseline == "zero" { return .zero }
        guard let text = try? String(contentsOfFile: baseline, encoding: .utf8) else {
            throw CommandFailure("--baseline must be zero or a readable file of numbers; cannot read \(baseline).")
        }
        let fields = text.split { ",; \n\t\r".contains($0) }
        var values: [Float] = []
        for (index, field) in fields.enumerated() {
            guard let value = Float(field), value.isFinite else {
                throw CommandFailure("\(baseline): value \(index) (\(field)) is not a finite number.")
            }
            values.append(value)
        }
        guard values.count == width else {
            throw CommandFailure("\(baseline) holds \(values.count) numbers but the model reads \(width) inputs.")
        }
        return .vector(values)
    }
}

extension IntegrationMethod: ExpressibleByArgument {}
