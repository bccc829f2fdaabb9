import ArgumentParser
import Foundation
import Learn
import Numerics
import Shards

/// `salience train DIR ...`: trains a decoder on all or selected columns of a dataset, saves it, and
/// reports metrics for every split and condition.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a TC-GRU or GRU-FF decoder on a shard dataset (all columns or a selection).",
        discussion: """
            Trains on the train split, picks the epoch by the dev metric (mean CCC, or mean ROC AUC for binary \
            tasks), and evaluates every split and every distorted condition. Prints one progress line per epoch \
            on standard error.

            Examples:
              salience train ../shared/datasets/vader-minilm --dims 0,5,9 --epochs 3 \\
                --out model.h5 --metrics metrics.json
              salience train data/ --select selection.txt --decoder gru-ff \\
                --label-variance off --out m.h5
            """)

    @Argument(help: "The dataset directory (shards *.h5).")
    var dataset: String

    @Option(help: "A file of column indices (one per line or comma-separated), as `salience select` writes.")
    var select: String?

    @Option(help: "Comma-separated column indices, e.g. 0,5,9.")
    var dims: String?

    @Option(help: "tc-gru (default for regression) or gru-ff (default for binary).")
    var decoder: DecoderConfig.Kind?

    @Option(
        help: """
            std-aux (default when the shards have ratings or label_std), off, nll (Gaussian NLL of the ratings), \
            distribution (histogram over rating bins) or weighted (1/(1+s^2) per utterance); docs/label-variance.md.
            """)
    var labelVariance: LabelVarianceMode?

    @Option(help: "The seed of initialisation, shuffling and dropout.")
    var seed: UInt64 = 1

    @Option(help: "The most epochs to train.")
    var epochs: Int = TrainingDefaults.maxEpochs

    @Option(help: "Threads (data-parallel replicas).")
    var threads: Int = TrainingDefaults.threads

    @Option(
        help: """
            The loss on the mean outputs: ccc (1 - CCC), mse, pearson (1 - r) or bce (binary tasks). \
            Default: ccc for regression, bce for binary.
            """)
    var loss: LossKind?

    @Option(help: "Utterances per batch.")
    var batchSize: Int = TrainingDefaults.batchSize

    @Option(help: "Adam's learning rate (halved when the dev metric plateaus).")
    var learningRate: Double = TrainingDefaults.learningRate

    @Option(help: "Epochs without a better dev metric before stopping early.")
    var patience: Int = TrainingDefaults.earlyStoppingPatience

    @Option(help: "With --label-variance std-aux: the weight of the spread head's loss (lambda).")
    var varianceWeight: Double = TrainingDefaults.spreadWeight

    @Option(
        help: """
            Frames are L layers of one encoder (the selected columns, ascending, cut into L equal blocks in layer \
            order): learn a softmax-weighted sum of the layers before the decoder (SUPERB). The learned weights \
            go to --metrics as layer_weights.
            """)
    var layerMix: Int?

    @Option(
        help: """
            Layers of a layered dataset to read, side by side, e.g. 0,3,6 (default: all): --dims and --dims-file             count columns across them. The model file records them, so predict and attribute read the same.
            """)
    var layers: String?

    @Option(
        help: """
            MiB of frames kept in memory. Beyond it the selected columns are read once into a local file under \
            --cache-dir and each epoch reads its batches from there (same numbers, bounded memory). Default: a \
            quarter of this machine's RAM.
            """)
    var memory: Int?

    @Option(help: "A local directory for frames beyond --memory (default: the system's temporary directory).")
    var cacheDir: String?

    @Option(help: "Where to write the trained model (HDF5).")
    var out: String

    @Option(help: "Where to write the metrics (JSON).")
    var metrics: String?

    @Flag(help: "No per-epoch progress lines.")
    var quiet = false

    func validate() throws {
        if select != nil && dims != nil { throw ValidationError("Give either --select or --dims, not both.") }
        if epochs < 1 { throw ValidationError("--epochs must be at least 1.") }
        if threads < 1 { throw ValidationError("--threads must be at least 1.") }
        if batchSize < 1 { throw ValidationError("--batch-size must be at least 1.") }
        if !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--learning-rate must be > 0.") }
        if patience < 1 { throw ValidationError("--patience must be at least 1.") }
        if let memory, memory < 1 { throw ValidationError("--memory must be at least 1 (MiB).") }
        if let layerMix, layerMix < 1 { throw ValidationError("--layer-mix must be at least 1 (layers).") }
        if layers != nil && parsedLayers == nil {
            throw ValidationError("--layers must be layer numbers separated by commas, e.g. 0,3,6")
        }
        if !(varianceWeight >= 0 && varianceWeight.isFinite) {
            throw ValidationError("--variance-weight must be >= 0.")
        }
    }

    func run() throws {
        let selection: [Int]?
        let source: String
        if let select {
            selection = try SelectionFile.read(select)
            source = select
        } else if let dims {
            selection = try SelectionFile.parse(dims, source: "--dims")
            source = "--dims"
        } else {
            selection = nil
            source = "all columns"
        }
        var config = TrainingConfig()
        config.seed = seed
        config.maxEpochs = epochs
        config.threads = threads
        config.loss = loss
        config.batchSize = batchSize
        config.learningRate = learningRate
        config.earlyStoppingPatience = patience
        config.spreadWeight = varianceWeight
        config.layerMix = layerMix
        var job = TrainingJob(directory: URL(fileURLWithPath: dataset), datasetName: dataset, config: config)
        job.selection = selection
        job.selectionSource = source
        job.layers = parsedLayers
        job.decoder = decoder
        job.labelVariance = labelVariance
        job.memoryBudget = (memory.map { $0 << 20 }) ?? TrainingDefaults.memoryBudget()
        job.cacheDirectory = cacheDir.map { URL(fileURLWithPath: $0) }
        let record: TrainingRecord
        do {
            record = try job.run(
                announce: { line in if !quiet { FileHandle.standardError.write(Data((line + "\n").utf8)) } },
                progress: { report in
                    if !quiet { FileHandle.standardError.write(Data((report.line + "\n").utf8)) }
                })
        } catch LearnError.emptySplit {
            throw CommandFailure("\(dataset) needs clean train and dev utterances to train.")
        } catch LearnError.invalidSetting(let sentence) {
            throw CommandFailure("--\(sentence).")
        } catch let error as LearnError {
            throw CommandFailure(error.description)
        } catch let error as DatasetError {
            throw CommandFailure("\(dataset) is not a usable dataset:\n\(error.description)")
        }
        let outcome = record.outcome
        if let message = outcome.message { FileHandle.standardError.write(Data((message + "\n").utf8)) }
        try Checkpoint.save(record.model, to: URL(fileURLWithPath: out), training: record.config)
        if let metrics {
            var report = MetricsReport(record)
            report.peakResidentBytes = ProcessHeap.peakResidentBytes
            try report.json().write(to: URL(fileURLWithPath: metrics))
        }
        let entries = record.metrics
        let task = record.model.task
        let metric = Evaluation.selectionMetric(for: task)
        let summary = entries.filter {
            $0.condition == "clean" && $0.utterances == nil && $0.target == nil && $0.metric == metric
        }
        .map { "\($0.split) \(metric) \($0.value.map { String(format: "%.4f", $0) } ?? "n/a")" }
        let layers = record.layerWeights.map { weights in
            "; layer weights " + weights.map { String(format: "%.3f", $0) }.joined(separator: " ")
        }
        print(
            "best epoch \(outcome.bestEpoch) of \(outcome.history.count) (\(outcome.stopReason.rawValue)); "
                + summary.joined(separator: ", ") + "; \(record.decoder.parameterCount) parameters\(layers ?? "")"
                + "; model \(out)")
    }
    /// `--layers` as numbers (nil when absent or not a list of numbers >= 0).
    private var parsedLayers: [Int]? {
        guard let layers else { return nil }
        let numbers = layers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !numbers.isEmpty, numbers.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return numbers.compactMap { $0 }
    }
}

extension DecoderConfig.Kind: ExpressibleByArgument {}
extension LossKind: ExpressibleByArgument {}
extension LabelVarianceMode: ExpressibleByArgument {}

/// Reading column selections: plain text, indices separated by commas, whitespace or newlines; `#` starts
/// a comment.
enum SelectionFile {
    static func read(_ path: String) throws -> [Int] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CommandFailure("Cannot read the selection file \(path).")
        }
        return try parse(text, source: path)
    }

    static func parse(_ text: String, source: String) throws -> [Int] {
        var indices = [Int]()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let content = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for token in content.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" || $0 == "\r" }) {
                guard let index = Int(token), index >= 0 else {
                    throw CommandFailure("\(source), line \(number + 1): '\(token)' is not a column index.")
                }
                indices.append(index)
            }
        }
        guard !indices.isEmpty else { throw CommandFailure("\(source) selects no columns.") }
        return indices
    }
}
