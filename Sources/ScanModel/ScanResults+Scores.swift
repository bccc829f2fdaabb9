extension ScanResults {
    /// One method's scores, one per dimension in dimension order (for PCA: per component, leading first).
    public struct ScoreCurve: Codable, Equatable, Sendable {
        /// The scoring method (`ccs`, `mis`, `mis-hist`, `pca`, `ig`).
        public var method: ScanSpec.Method
        /// What the numbers are, for axis labels (`mean |r| over targets`, `MI (nats)`, `mean |IG|`).
        public var quantity: String
        /// The score of each dimension (higher is more salient).
        public var mean: [Double]
        /// Its spread, when the method has one: across utterances for IG, across targets or bootstrap resamples
        /// for the others; same length as `mean`.
        public var std: [Double]?
        /// What `std` is taken across (`utterances`, `targets`, `bootstrap`).
        public var stdAcross: String?
        /// IG's signed mean attribution, kept beside the mean of absolute values.
        public var signedMean: [Double]?
        /// The scores against each target on its own, in the dataset's target order, when the method scores
        /// per target (`ccs`, `mis`, `mis-hist`): `mean` is their average, so a reader can see which target a
        /// dimension is salient for. Absent in files written before it existed, and for PCA and IG.
        public var perTarget: [TargetScores]?

        /// Creates a score curve.
        public init(
            method: ScanSpec.Method, quantity: String, mean: [Double], std: [Double]? = nil, stdAcross: String? = nil,
            signedMean: [Double]? = nil, perTarget: [TargetScores]? = nil
        ) {
            self.method = method
            self.quantity = quantity
            self.mean = mean
            self.std = std
            self.stdAcross = stdAcross
            self.signedMean = signedMean
            self.perTarget = perTarget
        }

        /// Dimensions by descending score, ties to the lower index (methods.md, "Selections").
        public var ranking: [Int] {
            mean.indices.sorted { mean[$0] != mean[$1] ? mean[$0] > mean[$1] : $0 < $1 }
        }
    }

    /// One target's scores, one per dimension in dimension order.
    public struct TargetScores: Codable, Equatable, Sendable {
        /// The target's name in the dataset.
        public var target: String
        /// The score of each dimension against this target alone.
        public var scores: [Double]

        /// Creates one target's scores.
        public init(target: String, scores: [Double]) {
            self.target = target
            self.scores = scores
        }
    }

    /// A rule that chose a selection's size.
    public enum SelectionRule: Codable, Hashable, Sendable, Comparable, CustomStringConvertible {
        /// The top fraction of dimensions, k = max(1, ⌊ratio·D⌋).
        case ratio(Double)
        /// Every dimension whose score passes a threshold rule.
        case threshold(ScanSpec.Threshold)
        /// All D dimensions (the `full` method).
        case full
        /// Every layer through the decoder's learned softmax-weighted sum of layers (SUPERB's weighted sum;
        /// the `full` method of a layered scan): the "use every layer" reference.
        case mix
        /// A rule applied within one layer of a layered scan (`layer3/ratio:0.3`; `layer3/full` is that layer's
        /// probe decoder).
        indirect case inLayer(Int, SelectionRule)
        /// A rule applied within the layer with the best layer score (`best-layer/ratio:0.3`); which layer
        /// that was is the selection's `layer`.
        indirect case bestLayer(SelectionRule)

        /// The spelling in JSON and CSV: `ratio:0.25`, `threshold:p75`, `full`, `layer3/ratio:0.25`,
        /// `best-layer/ratio:0.25`.
        public var description: String {
            switch self {
            case .ratio(let ratio): return "ratio:\(ScanSpec.shortNumber(ratio))"
            case .threshold(let rule): return "threshold:\(rule)"
            case .full: return "full"
            case .mix: return "mix"
            case .inLayer(let layer, let rule): return "layer\(layer)/\(rule)"
            case .bestLayer(let rule): return "best-layer/\(rule)"
            }
        }

        /// A short label for tables and legends: `25%`, `≥ p75`, `all`, `L3 25%`, `best 25%`.
        public var label: String {
            switch self {
            case .ratio(let ratio): return ScanSpec.shortNumber((ratio * 1000).rounded() / 10) + "%"
            case .threshold(let rule): return "≥ \(rule)"
            case .full: return "all"
            case .mix: return "mix"
            case .inLayer(let layer, let rule): return "L\(layer) \(rule.label)"
            case .bestLayer(let rule): return "best \(rule.label)"
            }
        }

        /// The layer a rule is confined to, for `.inLayer`.
        public var layer: Int? {
            if case .inLayer(let layer, _) = self { return layer }
            return nil
        }

        /// The rule inside a layer scope (the rule itself when it has none).
        public var unscoped: SelectionRule {
            switch self {
            case .inLayer(_, let rule), .bestLayer(let rule): return rule.unscoped
            default: return self
            }
        }

        /// Whether the rule is confined to one layer (`.inLayer` or `.bestLayer`).
        public var isLayerScoped: Bool { unscoped != self }

        /// The ratio, for `.ratio` (a layer-scoped rule has none here: its cells are not on the plain curves).
        public var ratio: Double? {
            if case .ratio(let ratio) = self { return ratio }
            return nil
        }

        /// The threshold rule, for `.threshold`.
        public var threshold: ScanSpec.Threshold? {
            if case .threshold(let rule) = self { return rule }
            return nil
        }

        /// Parses the spelling of ``description``.
        public init?(spelling: String) {
            if let slash = spelling.firstIndex(of: "/") {
                let scope = spelling[..<slash]
                guard let inner = SelectionRule(spelling: String(spelling[spelling.index(after: slash)...])),
                    !inner.isLayerScoped
                else { return nil }
                if scope == "best-layer" {
                    self = .bestLayer(inner)
                } else if scope.hasPrefix("layer"), let layer = Int(scope.dropFirst(5)), layer >= 0 {
                    self = .inLayer(layer, inner)
                } else {
                    return nil
                }
            } else if spelling == "full" {
                self = .full
            } else if spelling == "mix" {
                self = .mix
            } else if spelling.hasPrefix("ratio:"), let ratio = Double(spelling.dropFirst(6)) {
                self = .ratio(ratio)
            } else if spelling.hasPrefix("threshold:"),
                let rule = ScanSpec.Threshold(spelling: String(spelling.dropFirst(10)))
            {
                self = .threshold(rule)
            } else {
                return nil
            }
        }

        /// Ratios ascending, then thresholds by spelling, then full; then the best-layer rules, then the
        /// per-layer ones by layer, each ordered by their inner rule.
        public static func < (lhs: SelectionRule, rhs: SelectionRule) -> Bool {
            switch (lhs, rhs) {
            case (.inLayer(let a, let x), .inLayer(let b, let y)): return a != b ? a < b : x < y
            case (.inLayer, _): return false
            case (_, .inLayer): return true
            case (.bestLayer(let x), .bestLayer(let y)): return x < y
            case (.bestLayer, _): return false
            case (_, .bestLayer): return true
            case (.ratio(let a), .ratio(let b)): return a < b
            case (.ratio, _): return true
            case (.threshold(let a), .threshold(let b)): return a.description < b.description
            case (.threshold, .full), (.threshold, .mix), (.full, .mix): return true
            default: return false
            }
        }

        /// Decodes the spelling.
        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let rule = SelectionRule(spelling: text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "unknown selection rule \"\(text)\"")
            }
            self = rule
        }

        /// Encodes the spelling.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }
    }

    /// The dimensions one selection kept.
    public struct Selection: Codable, Equatable, Sendable {
        /// The method whose scores (or seed, for `random`) chose them.
        public var method: ScanSpec.Method
        /// The rule that set k.
        public var rule: SelectionRule
        /// The random selection's seed (nil for score-based selections).
        public var seed: Int?
        /// How many dimensions were kept.
        public var k: Int
        /// For a best-layer selection: the layer its score chose (nil otherwise; absent from JSON then).
        public var layer: Int? = nil
        /// The kept dimensions, ascending (for PCA: the leading component indices 0..<k).
        public var indices: [Int]

        /// Creates a selection record.
        public init(method: ScanSpec.Method, rule: SelectionRule, seed: Int? = nil, k: Int, indices: [Int]) {
            self.method = method
            self.rule = rule
            self.seed = seed
            self.k = k
            self.indices = indices
        }
    }
}
