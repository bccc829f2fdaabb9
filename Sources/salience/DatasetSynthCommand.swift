import ArgumentParser
import Foundation
import Shards

/// `salience dataset synth OUT`: writes a synthetic dataset with a planted subspace.
struct DatasetSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write a synthetic dataset whose relevant dimensions are known.",
        discussion: """
            K of the D dimensions carry the targets (some linearly, at least one per target only through \
            x^2, which correlation misses); the others are correlated noise. Utterances have several frames, \
            R raters disagree by utterance, and one extra shard holds the test utterances with added noise. \
            The ground truth is stored in the root attributes synthetic_relevant_dims and \
            synthetic_nonlinear_dims. The same seed gives the same files.

            Example:
              salience dataset synth ./synthetic --utterances 1200 --dim 64 \\
                --targets 2 --seed 7
            """)

    @Argument(help: "Directory to write the shards into (created if missing).")
    var out: String

    @Option(help: "Clean utterances N over all shards.")
    var utterances = SyntheticDataset.Configuration().utterances

    @Option(name: .customLong("dim"), help: "Embedding width D.")
    var dimension = SyntheticDataset.Configuration().dimension

    @Option(help: "Layers L: write version-2 shards of L layers (0..<L) of D dimensions each.")
    var layers: Int?

    @Option(
        name: .customLong("relevant-layers"),
        help: "With --layers: the layers the relevant dimensions are planted in, e.g. 3 or 2,5 (default L/2).")
    var relevantLayers: String?

    @Option(help: "Planted relevant dimensions K (at least 2 per target).")
    var relevant = SyntheticDataset.Configuration().relevantDimensions

    @Option(help: "Number of targets T.")
    var targets = SyntheticDataset.Configuration().targets

    @Option(help: "Raters R per utterance.")
    var raters = SyntheticDataset.Configuration().raters

    @Option(help: "Frames per utterance, MIN-MAX (or one number).")
    var frames = "\(SyntheticDataset.Configuration().minFrames)-\(SyntheticDataset.Configuration().maxFrames)"

    @Option(help: "Random seed; the same seed gives the same dataset.")
    var seed = SyntheticDataset.Configuration().seed

    @Option(help: "Number of clean shards.")
    var shards = SyntheticDataset.Configuration().shards

    @Option(help: "regression or binary.")
    var task = SyntheticDataset.Configuration().task.rawValue

    @Option(help: "Signal-to-noise ratio (dB) of the distorted test shard.")
    var snr = SyntheticDataset.Configuration().distortionSNR

    @Option(help: "Frames per chunk of embeddings.")
    var chunkRows = ShardLayout.default.chunkRows

    @Option(help: "Columns per chunk of embeddings.")
    var columnBlock = ShardLayout.default.columnBlock

    @Option(help: "gzip level of embeddings (0-9), or none.")
    var gzip = ShardLayout.default.gzipLevel.map(String.init) ?? "none"

    @Option(help: "How embeddings are stored: float32 or float16 (the format allows both; float16 halves the bytes).")
    var type = "float32"

    @Flag(help: "Replace shards already in OUT.")
    var force = false

    func validate() throws {
        guard frameRange != nil else {
            throw ValidationError("--frames must be MIN-MAX with 1 <= MIN <= MAX, e.g. 4-20")
        }
        guard TaskKind(rawValue: task) != nil else { throw ValidationError("--task must be regression or binary") }
        guard gzip == "none" || gzipLevel != nil else { throw ValidationError("--gzip must be none or 0-9") }
        guard type == "float32" || type == "float16" else {
            throw ValidationError("--type must be float32 or float16, got '\(type)'")
        }
        if relevantLayers != nil && layers == nil { throw ValidationError("--relevant-layers needs --layers") }
        if let relevantLayers, relevantLayerNumbers == nil {
            throw ValidationError(
                "--relevant-layers must be layer numbers separated by commas, got '\(relevantLayers)'")
        }
        guard chunkRows > 0, columnBlock > 0 else {
            throw ValidationError("--chunk-rows and --column-block must be > 0")
        }
    }

    private var relevantLayerNumbers: [Int]? {
        guard let relevantLayers else { return nil }
        let numbers = relevantLayers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        return numbers.contains(nil) || numbers.isEmpty ? nil : numbers.compactMap { $0 }
    }

    private var gzipLevel: Int? { Int(gzip).flatMap { (0...9).contains($0) ? $0 : nil } }

    private var frameRange: ClosedRange<Int>? {
        let parts = frames.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard (1...2).contains(parts.count), let low = parts.first ?? nil, let high = parts.last ?? nil,
            low >= 1, high >= low
        else { return nil }
        return low...high
    }

    func run() throws {
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = utterances
        configuration.dimension = dimension
        configuration.relevantDimensions = relevant
        configuration.targets = targets
        configuration.raters = raters
        configuration.minFrames = frameRange?.lowerBound ?? 1
        configuration.maxFrames = frameRange?.upperBound ?? 1
        configuration.seed = seed
        configuration.shards = shards
        configuration.task = TaskKind(rawValue: task) ?? .regression
        configuration.distortionSNR = snr
        configuration.layers = layers
        configuration.relevantLayers = relevantLayerNumbers
        let dataset: SyntheticDataset
        do {
            dataset = try SyntheticDataset(configuration: configuration)
        } catch let error as ShardError {
            throw ValidationError(error.message)
        }
        let directory = URL(fileURLWithPath: out)
        let existing = DatasetCatalog.shardURLs(in: directory)
        if !existing.isEmpty && !force {
            throw CommandFailure(
                "\(out) already holds \(existing.count) shard(s); choose an empty directory or pass --force")
        }
        if force { for url in existing { try? FileManager.default.removeItem(at: url) } }
        let layout = ShardLayout(
            chunkRows: chunkRows, columnBlock: columnBlock, gzipLevel: gzipLevel, shuffle: gzipLevel != nil,
            embeddingType: type == "float16" ? .float16 : .float32)
        try dataset.write(to: directory, layout: layout) { print($0) }
        print(
            "synthetic dataset in \(out): N=\(utterances) D=\(dimension) K=\(relevant) T=\(targets) R=\(raters) seed=\(seed)"
        )
        if layers != nil {
            print(
                "layers: \(layers ?? 1) of D=\(dimension); relevant dims planted in layer(s) "
                    + dataset.relevantLayers.map(String.init).joined(separator: ", ")
                    + " (columns below are layer * D + dimension)")
        }
        print("relevant dims: \(dataset.relevantDimensions.map(String.init).joined(separator: " "))")
        print(
            "non-linear dims (correlation ~0, MI high): \(dataset.nonlinearDimensions.map(String.init).joined(separator: " "))"
        )
    }
}
