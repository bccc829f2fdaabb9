import Foundation

extension ScanResults {
    /// How sure the scores and selections are, from Poisson-bootstrap replicates of the statistics
    /// (`[confidence]` in the spec; absent without it): per method and dimension a standard error and a
    /// percentile interval, per rule the selection probability of every dimension and the selection's
    /// stability (Nogueira et al. 2018) with its interval, and the agreement between methods.
    public struct Confidence: Codable, Equatable, Sendable {
        /// Replicates B.
        public var replicates: Int
        /// The seed of the weights.
        public var seed: UInt64
        /// The two-sided level of every interval (0.95).
        public var level: Double
        /// One entry per method that has replicates.
        public var methods: [MethodConfidence]
        /// Every pair of score vectors and, per rule, of selections.
        public var agreement: [Agreement]
        /// Methods with scores but no replicates, each with why (e.g. PCA, KSG).
        public var notCovered: [String: String]

        /// Creates a value from its members.
        public init(
            replicates: Int, seed: UInt64, level: Double, methods: [MethodConfidence], agreement: [Agreement],
            notCovered: [String: String]
        ) {
            self.replicates = replicates
            self.seed = seed
            self.level = level
            self.methods = methods
            self.agreement = agreement
            self.notCovered = notCovered
        }

        /// The entry of `method`, if it has replicates.
        public func method(_ method: ScanSpec.Method) -> MethodConfidence? { methods.first { $0.method == method } }
    }

    /// One method's bootstrap summaries, per dimension (in dimension order) and per rule.
    public struct MethodConfidence: Codable, Equatable, Sendable {
        public var method: ScanSpec.Method
        /// The bootstrap standard error of every dimension's score.
        public var standardError: [Double]
        /// The percentile interval of every dimension's score.
        public var intervalLow: [Double]
        public var intervalHigh: [Double]
        /// One entry per selection rule.
        public var rules: [RuleConfidence]

        /// Creates a value from its members.
        public init(
            method: ScanSpec.Method, standardError: [Double], intervalLow: [Double], intervalHigh: [Double],
            rules: [RuleConfidence]
        ) {
            self.method = method
            self.standardError = standardError
            self.intervalLow = intervalLow
            self.intervalHigh = intervalHigh
            self.rules = rules
        }
    }

    /// One rule of one method over the replicates.
    public struct RuleConfidence: Codable, Equatable, Sendable {
        public var rule: SelectionRule
        /// The fraction of replicates whose selection keeps each dimension.
        public var selectionProbability: [Double]
        /// The mean size of the replicates' selections.
        public var meanK: Double
        /// Nogueira et al.'s stability Φ̂ of the replicates' selections, its variance and interval (NaN when the
        /// rule keeps every dimension or none, where Φ̂ is undefined).
        public var stability: Double
        public var stabilityVariance: Double
        public var stabilityLow: Double
        public var stabilityHigh: Double

        /// Creates a value from its members.
        public init(
            rule: SelectionRule, selectionProbability: [Double], meanK: Double, stability: Double,
            stabilityVariance: Double, stabilityLow: Double, stabilityHigh: Double
        ) {
            self.rule = rule
            self.selectionProbability = selectionProbability
            self.meanK = meanK
            self.stability = stability
            self.stabilityVariance = stabilityVariance
            self.stabilityLow = stabilityLow
            self.stabilityHigh = stabilityHigh
        }
    }

    /// The agreement of two methods: Spearman's ρ of their score vectors (rule nil) or the Jaccard index of their
    /// selections under one rule, with the basic bootstrap interval over replicates and, for a Jaccard, the
    /// expected index of two random selections of the same sizes.
    public struct Agreement: Codable, Equatable, Sendable {
        public var methods: [ScanSpec.Method]
        /// `spearman` or `jaccard`.
        public var measure: String
        /// The rule of a Jaccard index.
        public var rule: SelectionRule?
        public var value: Double
        /// The basic bootstrap interval over replicates (the replicates reflected about `value`; see
        /// `ConfidenceAssembly.agreements`); a method without replicates keeps its one selection (or vector) in
        /// every replicate, so its own sampling is not in the interval (`resampled` names those that are).
        public var low: Double?
        public var high: Double?
        public var resampled: [ScanSpec.Method]
        /// The expected Jaccard index of two random selections of the same sizes.
        public var random: Double?

        /// Creates a value from its members.
        public init(
            methods: [ScanSpec.Method], measure: String, rule: SelectionRule?, value: Double, low: Double?,
            high: Double?, resampled: [ScanSpec.Method], random: Double?
        ) {
            self.methods = methods
            self.measure = measure
            self.rule = rule
            self.value = value
            self.low = low
            self.high = high
            self.resampled = resampled
            self.random = random
        }
    }
}
