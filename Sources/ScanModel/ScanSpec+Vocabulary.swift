import Foundation

/// The words a scan spec is written in: each an enum whose raw value is the spelling in TOML and JSON.
extension ScanSpec {
    /// A way to choose dimensions (or, for `full`, not to).
    public enum Method: String, Codable, CaseIterable, Sendable, Comparable {
        /// Cross-correlation saliency: mean |Pearson r| with the targets.
        case ccs
        /// Mutual-information saliency, Kraskov–Stögbauer–Grassberger estimator.
        case mis
        /// Mutual-information saliency, streaming joint-histogram estimator.
        case misHist = "mis-hist"
        /// Principal components of the pooled train vectors (a change of basis, not a selection).
        case pca
        /// Integrated-Gradients attribution of the full-width decoder.
        case ig
        /// A seeded random selection of the same size k.
        case random
        /// Every dimension: the full-width reference.
        case full

        /// Whether the method produces one score per dimension that thresholds can apply to.
        public var takesThresholds: Bool { traits.selection == .scores }
        /// Whether the method produces a score curve (PCA's is the explained variance per component).
        public var hasScores: Bool { traits.quantity != nil }

        /// Methods order as declared (ccs first, full last), so tables and legends agree everywhere.
        public static func < (lhs: Method, rhs: Method) -> Bool {
            let order = Method.allCases
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    /// How frames are paired with an utterance's labels for scoring.
    public enum Pooling: String, Codable, CaseIterable, Sendable {
        /// One vector per utterance, the mean of its frames.
        case utterance
        /// Every frame with its utterance's label (weights long utterances more).
        case frame
    }

    /// A decoder architecture.
    public enum DecoderKind: String, Codable, CaseIterable, Sendable {
        /// Temporal convolution + GRU (Mitra et al.).
        case tcGRU = "tc-gru"
        /// Linear projection + GRU + feed-forward (the MuSe baseline, Grósz et al.).
        case gruFF = "gru-ff"
    }

    /// How the raters' disagreement enters training.
    public enum LabelVarianceMode: String, Codable, CaseIterable, Sendable, Comparable {
        /// An auxiliary head predicts the per-utterance rater spread.
        case stdAux = "std-aux"
        /// The decoder is trained on the consensus label alone.
        case off
        /// Gaussian negative log-likelihood of the individual ratings (predicted mean and floored variance).
        case nll
        /// A histogram over rating bins, cross-entropy against the raters' empirical distribution.
        case distribution
        /// The consensus loss weighted by 1/(1 + s²) per utterance, s the rater spread.
        case weighted

        /// Declaration order (`std-aux`, `off`, then the later modes), as results were always sorted.
        public static func < (lhs: LabelVarianceMode, rhs: LabelVarianceMode) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// The quadrature rule of Integrated Gradients along the straight path.
    public enum IGMethod: String, Codable, CaseIterable, Sendable {
        /// Right Riemann sum (Captum `riemann_right`), the methods.md default.
        case riemannRight = "riemann-right"
        /// Gauss–Legendre quadrature (Captum's default `gausslegendre`).
        case gaussLegendre = "gauss-legendre"
    }

    /// The training loss.
    public enum Loss: String, Codable, CaseIterable, Sendable {
        /// 1 − CCC for a regression task, binary cross-entropy for a binary one.
        case auto
        /// 1 − CCC per target, averaged.
        case ccc
        /// Mean squared error.
        case mse
        /// 1 − Pearson r.
        case pearson
        /// Binary cross-entropy (binary tasks only).
        case bce
    }

    /// A threshold rule on a score: keep every dimension whose score is at least the rule's value.
    public enum Threshold: Codable, Hashable, Sendable, CustomStringConvertible {
        /// The mean of the scores.
        case mean
        /// The median of the scores.
        case median
        /// The given percentile of the scores, in (0, 100) (`p75`).
        case percentile(Double)
        /// A multiple of the mean (`0.5*mean`).
        case scaledMean(Double)
        /// Stability selection (Meinshausen & Bühlmann 2010): every dimension the `mean` rule keeps in at least
        /// a fraction π ∈ (0, 1] of the bootstrap replicates (`stable:0.8`); needs `[confidence] replicates`.
        case stable(Double)

        /// The spelling in a spec: `mean`, `median`, `p75`, `0.5*mean`.
        public var description: String {
            switch self {
            case .mean: return "mean"
            case .median: return "median"
            case .percentile(let p): return "p" + ScanSpec.shortNumber(p)
            case .scaledMean(let c): return ScanSpec.shortNumber(c) + "*mean"
            case .stable(let pi): return "stable:" + ScanSpec.shortNumber(pi)
            }
        }

        /// Why the rule's number is out of range (a percentile outside (0, 100), a factor not positive), if it is.
        public var rangeProblem: String? {
            switch self {
            case .percentile(let p) where !(p > 0 && p < 100): return "percentile \(self) is outside (0, 100)"
            case .scaledMean(let c) where !(c > 0): return "the factor of \(self) must be positive"
            case .stable(let pi) where !(pi > 0 && pi <= 1):
                return "the fraction π of \(self) is outside (0, 1]"
            default: return nil
            }
        }

        /// Parses a spelling; nil when it is none of the four forms. Range checks are ``ScanSpec/validate()``'s.
        public init?(spelling: String) {
            let text = spelling.trimmingCharacters(in: .whitespaces).lowercased()
            if text == "mean" {
                self = .mean
            } else if text == "median" {
                self = .median
            } else if text.hasPrefix("stable:"), let pi = Double(text.dropFirst(7)), pi.isFinite {
                self = .stable(pi)
            } else if text.hasPrefix("p"), let p = Double(text.dropFirst()), p.isFinite {
                self = .percentile(p)
            } else if text.hasSuffix("*mean"), let c = Double(text.dropLast(5).trimmingCharacters(in: .whitespaces)),
                c.isFinite
            {
                self = .scaledMean(c)
            } else {
                return nil
            }
        }

        /// Decodes the spelling from a string.
        public init(from decoder: Swift.Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let rule = Threshold(spelling: text) else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "unknown threshold rule \"\(text)\"")
            }
            self = rule
        }

        /// Encodes the spelling as a string.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }
    }

    /// Either everything the dataset has, or the named items.
    public enum Subset: Codable, Equatable, Sendable, CustomStringConvertible {
        /// Everything the dataset has.
        case all
        /// Only these, in this order.
        case only([String])

        /// `all`, or the names joined by commas.
        public var description: String {
            switch self {
            case .all: return "all"
            case .only(let names): return names.joined(separator: ", ")
            }
        }

        /// The chosen names among `available`, in the spec's order (all of `available` for `.all`).
        public func resolve(_ available: [String]) -> [String] {
            switch self {
            case .all: return available
            case .only(let names): return names
            }
        }

        /// Decodes `"all"` or an array of names.
        public init(from decoder: Swift.Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let names = try? container.decode([String].self) {
                self = .only(names)
                return
            }
            let text = try container.decode(String.self)
            guard text == "all" else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "expected \"all\" or a list of names, found \"\(text)\"")
            }
            self = .all
        }

        /// Encodes `"all"` or the array of names.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .all: try container.encode("all")
            case .only(let names): try container.encode(names)
            }
        }
    }

    /// A number without a trailing `.0` (`75`, `0.5`), for spellings and labels.
    static func shortNumber(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
