import ArgumentParser
import Foundation
import Learn
import Numerics
import Saliency
import ScanModel
import Scoring
import Shards

/// `salience scores DIR --methods ccs,mis,mis-hist,pca --out scores.csv`: per-dimension saliency scores of a
/// shard dataset, on one machine using every core.
struct ScoresCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scores",
        abstract: "Score every embedding dimension against the targets (CCS, MIS, PCA) on one split.",
        discussion: """
            Streams the clean shards once (twice for mis-hist when the pooled rows exceed --pooled-memory), \
            with one reader thread feeding --threads compute threads, and writes one CSV row per dimension: \
            `dim`, then per method `<method>` (the mean over targets) and `<method>.<target>`. \
            PCA is a change of basis, not a per-dimension score: it writes pca.csv (component, eigenvalue, \
            explained_ratio, cumulative) and pca.h5 (components, eigenvalues, mean) beside the CSV. \
            A shard that fails validation stops the command before anything is written.

            --replicates B adds B Poisson-bootstrap replicates of CCS (each utterance weighted by a Poisson(1) \
            draw from a hash of --bootstrap-seed, the replicate and its id) and of mis (KSG on the utterances \
            whose weight is positive, about 63 %, rescaled to the full sample's spread; B KSG estimates, so \
            about 0.45 x B times its cost): the CSV gains `ccs.se` (standard \
            error), `ccs.ci_low`, `ccs.ci_high` (95 % percentile interval) and `ccs.p_stable` (the fraction of \
            replicates whose `mean` rule keeps the dimension, what `select --threshold stable:0.8` reads), and \
            confidence.json beside it holds per rule (--ratios and mean) the selection probabilities, the \
            stability (Nogueira et al. 2018) with its interval, and the agreement between methods.

            Methods: ccs (|Pearson r|), mis (KSG k=3 as scikit-learn's mutual_info_regression), \
            mis-hist (plug-in MI of a joint histogram), pca.

            Example:
              salience scores ./vader-minilm --methods ccs,mis,pca --out scores.csv
              salience select scores.csv --by ccs --ratio 0.6
            """)

    @Argument(help: "The dataset directory (shards in the embedding-shard format).")
    var directory: String

    @Option(help: "Comma-separated methods: ccs, mis, mis-hist, pca.")
    var methods = "ccs,mis,pca"

    @Option(help: "utterance (mean of each utterance's frames) or frame (every frame with its utterance's label).")
    var pooling = Pooling.utterance

    @Option(help: "Histogram bins per axis for mis-hist (2 on a binary target's axis).")
    var bins = SaliencyDefaults.histogramBins

    @Flag(help: "Apply the Miller–Madow bias correction to mis-hist.")
    var millerMadow = false

    @Option(help: "The split to score on: train, dev or test.")
    var split = Split.train

    @Option(help: "Compute threads (one more thread reads the shards).")
    var threads = 2

    @Option(help: "Seed of the tie-breaking noise mis adds (scikit-learn adds 1e-10-scaled noise too).")
    var noiseSeed: UInt64 = 0

    @Flag(help: "Add no tie-breaking noise in mis (exact on continuous data; ties stay ties).")
    var noNoise = false

    @Option(help: "MiB of pooled rows kept in memory for mis and mis-hist; beyond it they re-read the shards.")
    var pooledMemory = 1024

    @Option(
        help: ArgumentHelp(
            "Shards kept open from the check to the pass (their metadata is read once); the rest are opened as "
                + "the pass reaches them.", visibility: .hidden))
    var shardsKeptOpen = ScoresJob.shardsKeptOpen

    @Option(help: "Poisson-bootstrap replicates of CCS and mis (0: none; 100 is a sensible setting).")
    var replicates = 0

    @Option(help: "Seed of the bootstrap weights.")
    var bootstrapSeed: UInt64 = SaliencyDefaults.bootstrapSeed

    @Option(help: "Comma-separated top ratios whose stability confidence.json reports (with the mean rule).")
    var confidenceRatios = "0.1,0.25,0.5,0.6,0.75"

    @Option(
        help: ArgumentHelp(
            "Layers of a layered dataset to score, e.g. 0,3,6, or all (default: all).",
            discussion: "One pass reads every chosen layer; rows are (layer, dimension) pairs and layers.csv "
                + "ranks the layers; PCA runs per layer (pca-layer<N>.csv/.h5)."))
    var layers = "all"

    @Option(help: "The scores CSV to write (pca.csv and pca.h5 go beside it).")
    var out: String

    func validate() throws {
        _ = try parsedMethods()
        guard bins >= 1 else { throw ValidationError("--bins must be at least 1") }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard pooledMemory >= 1 else { throw ValidationError("--pooled-memory must be at least 1 MiB") }
        guard shardsKeptOpen >= 0 else { throw ValidationError("--shards-kept-open must be at least 0") }
        guard replicates == 0 || (2...BootstrapLimits.maximumReplicates).contains(replicates) else {
            throw ValidationError(
                "--replicates must be 0 (none) or in 2...\(BootstrapLimits.maximumReplicates), got \(replicates)")
        }
        _ = try parsedRatios()
        _ = try parsedLayers()
    }

    func parsedLayers() throws -> [Int]? {
        if layers == "all" { return nil }
        let numbers = layers.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !numbers.isEmpty, numbers.allSatisfy({ ($0 ?? -1) >= 0 }) else {
            throw ValidationError("--layers must be all or layer numbers separated by commas, got '\(layers)'")
        }
        return numbers.compactMap { $0 }
    }

    func parsedRatios() throws -> [Double] {
        try confidenceRatios.split(separator: ",").map {
            guard let ratio = Double($0.trimmingCharacters(in: .whitespaces)), ratio > 0, ratio < 1 else {
                throw ValidationError("--confidence-ratios: '\($0)' is not a ratio in (0, 1)")
            }
            return ratio
        }
    }

    func parsedMethods() throws -> [ScoreMethod] {
        var result = [ScoreMethod]()
        for name in methods.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard let method = ScoreMethod(rawValue: name) else {
                throw ValidationError(
                    "unknown method '\(name)' in --methods (known: \(ScoreMethod.allCases.map(\.rawValue).joined(separator: ", ")))"
                )
            }
            if !result.contains(method) { result.append(method) }
        }
        guard !result.isEmpty else { throw ValidationError("--methods names no method") }
        return result
    }

    func run() throws {
        let methods = try parsedMethods()
        ProcessHeap.preferHugePages()
        var settings = ScoresSettings(
            methods: methods, pooling: pooling, bins: bins, millerMadow: millerMadow, split: split,
            threads: threads, noise: noNoise ? .none : .seeded(noiseSeed), pooledMemoryBytes: pooledMemory << 20)
        settings.shardsKeptOpen = shardsKeptOpen
        settings.layers = try parsedLayers()
        if replicates > 0 { settings.bootstrap = BootstrapSettings(replicates: replicates, seed: bootstrapSeed) }
        if replicates > 0 && !methods.contains(.ccs) && !methods.contains(.mis) {
            printError("salience scores: warning: --replicates applies to ccs and mis, which --methods leaves out")
        }
        let started = Date()
        let result: ScoresResult
        do {
            result = try ScoresJob(directory: URL(fileURLWithPath: directory), settings: settings) {
                printError("salience scores: \($0)")
            }.run()
        } catch let error as DatasetError {
            for problem in error.problems { printError(problem.description) }
            printError("salience scores: \(directory) is not a valid dataset; nothing was written")
            throw ExitCode(1)
        } catch let error as ShardError {
            printError("salience scores: \(error); nothing was written")
            throw ExitCode(1)
        } catch let error as SaliencyError {
            printError("salience scores: \(error); nothing was written")
            throw ExitCode(1)
        }
        for scores in result.scores {
            for warning in scores.warnings {
                printError("salience scores: warning: \(scores.method): \(describe(warning, targets: result.targets))")
            }
            if scores.method == HistogramMutualInformation.method,
                let flat = HistogramResolution.warning(
                    scores: scores.mean, observations: result.observations, bins: bins)
            {
                printError("salience scores: warning: \(flat)")
            }
        }
        let outURL = URL(fileURLWithPath: out)
        try ScoresOutput.writeScores(result, to: outURL)
        var written = [out]
        if let bootstrap = settings.bootstrap {
            let confidence = try ScoresOutput.confidence(result, settings: bootstrap, ratios: try parsedRatios())
            try ScoresOutput.writeConfidence(
                confidence, to: outURL.deletingLastPathComponent().appendingPathComponent("confidence.json"))
            written.append("confidence.json")
        }
        if result.layers != nil {
            try ScoresOutput.writeLayers(
                result, to: outURL.deletingLastPathComponent().appendingPathComponent("layers.csv"))
            written.append("layers.csv")
        }
        for (pca, layer) in zip(result.layerPCA, result.layers ?? []) {
            let directory = outURL.deletingLastPathComponent()
            try ScoresOutput.writePCA(pca, csv: directory.appendingPathComponent("pca-layer\(layer.layer).csv"))
            try PrincipalComponentsFile.write(
                pca, to: directory.appendingPathComponent("pca-layer\(layer.layer).h5").path)
            written += ["pca-layer\(layer.layer).csv", "pca-layer\(layer.layer).h5"]
        }
        if let pca = result.pca {
            let directory = outURL.deletingLastPathComponent()
            try ScoresOutput.writePCA(pca, csv: directory.appendingPathComponent("pca.csv"))
            try PrincipalComponentsFile.write(pca, to: directory.appendingPathComponent("pca.h5").path)
            written += ["pca.csv", "pca.h5"]
        }
        printError(
            String(
                format: "salience scores: %d %@ x %d dimensions in %.2f s (checking %.3f s, streaming pass %.3f s "
                    + "reading %.3f GB at %.2f GB/s, scoring %.3f s); wrote %@", result.observations,
                settings.pooling == .utterance ? "utterances" : "frames", result.dimension,
                Date().timeIntervalSince(started), result.seconds.validation, result.seconds.firstPass,
                Double(result.firstPassBytes) / 1e9,
                Double(result.firstPassBytes) / 1e9 / max(result.seconds.firstPass, 1e-9),
                result.seconds.scoring, written.joined(separator: ", ")))
    }

    private func describe(_ warning: ScoreWarning, targets: [String]) -> String {
        if case .zeroVarianceTarget(let target) = warning, target < targets.count {
            return "target '\(targets[target])' has zero variance: its scores are defined as 0"
        }
        return warning.description
    }
}
