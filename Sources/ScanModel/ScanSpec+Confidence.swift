import Numerics

extension ScanSpec {
    /// `[confidence]`: Poisson-bootstrap replicates of the statistics that carry them (CCS, IG, KSG), off
    /// by default. `replicates = 100` is a sensible setting; see `BootstrapLimits` for the bounds.
    public struct Confidence: Codable, Equatable, Sendable {
        /// Replicates B (0: off).
        public var replicates: Int = 0
        /// The seed of the weights.
        public var seed: UInt64 = ScanSpecDefaults.bootstrapSeed
        /// Whether KSG (`mis`) is resampled too: B estimates on subsamples per dimension block, about 0.45 x B
        /// times its cost (nil: yes; absent from JSON then, so specs of earlier builds read unchanged).
        public var mis: Bool? = nil

        /// No replicates.
        public init() {}

        /// B replicates of `seed`.
        public init(replicates: Int, seed: UInt64 = ScanSpecDefaults.bootstrapSeed) {
            self.replicates = replicates
            self.seed = seed
        }

        /// Whether replicates are asked for.
        public var isOn: Bool { replicates > 0 }
    }
}

extension ScanSpec.Method {
    /// Why the method's scores have no bootstrap replicates (nil for CCS, IG and MIS, which have them, and for
    /// the baselines, which have no scores). IG's replicate partial (B x (1 + T x D) Doubles) is smaller than
    /// CCS's (B x (D x (2 + T) + 2T + 1)), so the bound checked at submission covers both.
    public var bootstrapGap: String? {
        switch self {
        case .ccs, .ig, .mis, .random, .full: return nil
        case .pca: return "a covariance replicate is D x D (800 MB for 100 replicates at D = 1024)"
        case .misHist: return "a histogram replicate is D x T x bins^2 counts (25 MB each at D = 1024, T = 3)"
        }
    }

    /// `bootstrapGap` of each of `methods`, by name.
    public static func bootstrapGaps(_ methods: [ScanSpec.Method]) -> [String: String] {
        var out = [String: String]()
        for method in methods { if let gap = method.bootstrapGap { out[method.rawValue] = gap } }
        return out
    }
}

extension ScanSpec {
    /// Whether `method`'s scores carry bootstrap replicates in this spec: `[confidence]` is on, the method can
    /// carry them (``ScanSpec/Method/bootstrapGap`` is nil), and for `mis`, `[confidence] mis` is not false.
    public func carriesReplicates(_ method: Method) -> Bool {
        guard let confidence, confidence.isOn, method.hasScores, method.bootstrapGap == nil else { return false }
        return method != .mis || confidence.mis != false
    }

    /// Why each of `methods` (those with scores) carries no replicates in this spec.
    public func replicateGaps(_ methods: [Method]) -> [String: String] {
        var out = Method.bootstrapGaps(methods)
        if methods.contains(.mis), confidence?.mis == false {
            out[Method.mis.rawValue] = "not resampled ([confidence] mis = false; it would cost about B KSG estimates)"
        }
        return out
    }
}
