extension ScanSpec.Method {
    /// Which mergeable partial of statistics pass A a method is scored from.
    public enum PassAPartial: Sendable, Hashable {
        /// Moments with the targets (CCS).
        case moments
        /// The D x D covariance (PCA).
        case covariance
        /// Per-dimension ranges, whose merge gives the histogram edges (`mis-hist`'s first pass).
        case ranges
    }

    /// How a method's selections are made.
    public enum SelectionKind: Sendable, Hashable {
        /// From one score per dimension: the top ratios and the spec's thresholds.
        case scores
        /// The leading k principal components (a change of basis, so ratios only).
        case components
        /// k dimensions drawn with each training seed.
        case random
        /// Every dimension.
        case full
    }

    /// What a method needs from the scan's graph and how it selects: the one table the planner, the
    /// results assembly and the spec's checks read, so that adding a method is adding an entry here (and
    /// its score function, `ScanScores.vector`), not a case in every file.
    public struct Traits: Sendable {
        /// Partials of statistics pass A it needs.
        public var passA: Set<PassAPartial> = []
        /// Whether it needs the joint-histogram pass on the edges cut from the merged ranges.
        public var histogramPass = false
        /// Whether it needs KSG tasks over blocks of dimensions.
        public var dimensionBlocks = false
        /// Whether it needs IG over utterance ranges with the full-width baseline decoder.
        public var attribution = false
        /// How its selections are made.
        public var selection: SelectionKind
        /// What its score curve measures (nil: it has none).
        public var quantity: String?
    }

    /// This method's entry of the table.
    public var traits: Traits {
        switch self {
        case .ccs: return Traits(passA: [.moments], selection: .scores, quantity: "mean |r| over targets")
        case .mis: return Traits(dimensionBlocks: true, selection: .scores, quantity: "MI (nats)")
        case .misHist: return Traits(passA: [.ranges], histogramPass: true, selection: .scores, quantity: "MI (nats)")
        case .pca: return Traits(passA: [.covariance], selection: .components, quantity: "explained variance ratio")
        case .ig: return Traits(attribution: true, selection: .scores, quantity: "mean |IG|")
        case .random: return Traits(selection: .random)
        case .full: return Traits(selection: .full)
        }
    }
}

extension Collection where Element == ScanSpec.Method {
    /// Whether any of these methods needs `partial` from statistics pass A.
    public func need(_ partial: ScanSpec.Method.PassAPartial) -> Bool { contains { $0.traits.passA.contains(partial) } }

    /// Whether any of these methods has the trait.
    public func any(_ trait: KeyPath<ScanSpec.Method.Traits, Bool>) -> Bool { contains { $0.traits[keyPath: trait] } }
}
