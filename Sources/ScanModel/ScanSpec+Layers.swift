import Foundation
import TOMLKit

extension ScanSpec {
    /// `[dataset] layers`: which layers of a layered (version-2) dataset the scan reads, side by side in
    /// increasing layer number. Absent means every layer; a version-1 dataset has one layer, numbered 0.
    public enum LayerChoice: Codable, Equatable, Sendable, CustomStringConvertible {
        /// Every layer of the dataset.
        case all
        /// These layer numbers.
        case only([Int])

        /// `all` or the numbers, as the spec writes them (`0, 6, 12`).
        public var description: String {
            switch self {
            case .all: return "all"
            case .only(let numbers): return numbers.map(String.init).joined(separator: ", ")
            }
        }

        /// The numbers to read, nil for every layer.
        public var numbers: [Int]? {
            if case .only(let numbers) = self { return numbers.sorted() }
            return nil
        }

        /// Decodes `"all"` or an array of layer numbers.
        public init(from decoder: any Swift.Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self), text == "all" {
                self = .all
            } else {
                self = .only(try container.decode([Int].self))
            }
        }

        /// Encodes `"all"` or the array.
        public func encode(to encoder: any Swift.Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .all: try container.encode("all")
            case .only(let numbers): try container.encode(numbers)
            }
        }
    }

    /// Where a layered scan's selections come from.
    public enum LayerScope: String, Codable, CaseIterable, Sendable {
        /// The top k over every (layer, dimension) pair of the chosen layers: a selection across layers.
        case cross
        /// The top k within each layer: one grid cell per layer.
        case perLayer = "per-layer"
        /// The top k within the layer with the best layer score.
        case best
    }

    /// How a method's per-dimension scores become one score per layer.
    public enum LayerScore: Codable, Equatable, Sendable, CustomStringConvertible {
        /// The mean over the layer's dimensions.
        case mean
        /// The mean of the layer's top fraction of dimensions (`top:0.1`): a layer with a few strongly salient
        /// dimensions is not drowned by its many irrelevant ones, which the plain mean would be.
        case topMean(Double)

        /// `mean` or `top:0.1`.
        public var description: String {
            switch self {
            case .mean: return "mean"
            case .topMean(let fraction): return "top:\(ScanSpec.shortNumber(fraction))"
            }
        }

        /// Parses `mean` or `top:F`, 0 < F <= 1.
        public init?(spelling: String) {
            if spelling == "mean" {
                self = .mean
            } else if spelling.hasPrefix("top:"), let fraction = Double(spelling.dropFirst(4)), fraction > 0,
                fraction <= 1
            {
                self = .topMean(fraction)
            } else {
                return nil
            }
        }

        /// The layer's score from its dimensions' scores (non-empty).
        public func value(of scores: ArraySlice<Double>) -> Double {
            switch self {
            case .mean: return scores.reduce(0, +) / Double(scores.count)
            case .topMean(let fraction):
                let k = max(1, Int((fraction * Double(scores.count)).rounded(.down)))
                let top = scores.sorted(by: >).prefix(k)
                return top.reduce(0, +) / Double(k)
            }
        }

        public init(from decoder: any Swift.Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let score = LayerScore(spelling: text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "unknown layer score \"\(text)\"")
            }
            self = score
        }

        public func encode(to encoder: any Swift.Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }
    }

    /// `[layers]`: how a scan over several layers crosses its grid with them. Used whenever the scan reads
    /// two or more layers (with these defaults when the section is absent).
    public struct Layers: Codable, Equatable, Sendable {
        /// Which selections the score methods train: across layers, per layer, in the best layer.
        public var grid: [LayerScope] = ScanSpecDefaults.layerGrid
        /// The layer score the best layer is chosen by.
        public var score: LayerScore = ScanSpecDefaults.layerScore
        /// Epochs of the probe: a decoder on each whole layer, whose dev metric ranks the layers as a decoder
        /// sees them (0: no probe).
        public var probeEpochs: Int = ScanSpecDefaults.layerProbeEpochs
        /// Whether to train the SUPERB-style learned weighted sum of the layers (needs one D for all).
        public var mix: Bool = true

        /// The defaults.
        public init() {}

        // No explicit keys: results.json writes `probe_epochs` through the snake-case strategy and reads it
        // back through the inverse one, which looks for `probeEpochs`; a raw "probe_epochs" key matched only
        // the writer, so a layered scan's results.json could not be read back (salience report failed).
    }

    /// Numbers as the spec writes them: `0.3`, `1`, `0.125`.
    public static func layerNumbersText(_ numbers: [Int]) -> String {
        numbers.map(String.init).joined(separator: ", ")
    }
}

extension ScanSpec {
    /// The problems of the layer fields on their own (the dataset's layers are checked by the catalog).
    func layerProblems() -> [ScanSpecProblem] {
        var problems: [ScanSpecProblem] = []
        if case .only(let numbers) = dataset.layers {
            if numbers.isEmpty {
                problems.append(ScanSpecProblem("dataset.layers", "empty; list at least one layer or write \"all\""))
            }
            for (index, number) in numbers.enumerated() where number < 0 {
                problems.append(ScanSpecProblem("dataset.layers[\(index)]", "layer numbers are >= 0, found \(number)"))
            }
            var seen = Set<Int>()
            for (index, number) in numbers.enumerated() where !seen.insert(number).inserted {
                problems.append(ScanSpecProblem("dataset.layers[\(index)]", "\(number) is listed twice"))
            }
        }
        if let layers {
            if layers.grid.isEmpty {
                problems.append(
                    ScanSpecProblem("layers.grid", "empty; list at least one of cross, per-layer, best"))
            }
            var seen = Set<LayerScope>()
            for (index, scope) in layers.grid.enumerated() where !seen.insert(scope).inserted {
                problems.append(ScanSpecProblem("layers.grid[\(index)]", "\"\(scope.rawValue)\" is listed twice"))
            }
            if layers.probeEpochs < 0 || layers.probeEpochs > 10_000 {
                problems.append(
                    ScanSpecProblem(
                        "layers.probe_epochs", "must be in 0...10000 (0: no probe), found \(layers.probeEpochs)"))
            }
        }
        return problems
    }
}

extension SpecTOMLReader {
    /// `[dataset] layers` (`"all"` or layer numbers) and the `[layers]` section.
    mutating func readLayers(_ root: TOMLTable, into spec: inout ScanSpec) {
        if let table = root["dataset"]?.table, let value = table["layers"] {
            if let text = value.string {
                if text == "all" {
                    spec.dataset.layers = .all
                } else {
                    problems.append(
                        ScanSpecProblem(
                            "dataset.layers", "expected \"all\" or a list of layer numbers, found \"\(text)\""))
                }
            } else if let numbers = ints(table, "dataset", "layers") {
                spec.dataset.layers = .only(numbers)
            }
        }
        guard let table = section(root, "layers") else { return }
        var layers = ScanSpec.Layers()
        if let grid: [ScanSpec.LayerScope] = words(table, "layers", "grid", noun: "layer grid") { layers.grid = grid }
        if let text = string(table, "layers", "score") {
            if let score = ScanSpec.LayerScore(spelling: text) {
                layers.score = score
            } else {
                problems.append(
                    ScanSpecProblem(
                        "layers.score", "unknown layer score \"\(text)\"; expected mean or top:F (0 < F <= 1)"))
            }
        }
        if let value = int(table, "layers", "probe_epochs") { layers.probeEpochs = value }
        if let value = bool(table, "layers", "mix") { layers.mix = value }
        spec.layers = layers
    }
}
