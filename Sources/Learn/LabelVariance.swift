/// How the raters' disagreement enters training (../shared/docs/methods.md, "Label variance"; the formulas of
/// every mode are in docs/label-variance.md). Whatever the mode, the model reports the consensus estimate in
/// its first T outputs and is selected and evaluated on it (mean CCC on dev); modes that model the spread
/// report a per-utterance rater spread σ in outputs T..<2T.
public enum LabelVarianceMode: String, Codable, Sendable, CaseIterable {
    /// 2T outputs, the mean and the spread; loss (1 − CCC(mean)) + λ (1 − CCC(spread)).
    case stdAux = "std-aux"
    /// T outputs trained on the mean alone.
    case off
    /// Gaussian negative log-likelihood of the individual ratings given a predicted mean and variance (floored).
    case nll
    /// A histogram over rating bins per target, cross-entropy against the raters' empirical distribution.
    case distribution
    /// The task's loss on the mean, each utterance weighted by 1/(1 + s²), s its rater spread.
    case weighted

    /// Whether the mode needs rater spread (`ratings` or `label_std`): every mode but `off`.
    public var needsRaterSpread: Bool { self != .off }

    /// Whether the trained model reports a spread beside each mean.
    public var predictsSpread: Bool { self == .stdAux || self == .nll || self == .distribution }

    /// Whether the mode models ratings on a continuous scale (a Gaussian or rating bins), which a binary
    /// task's 0/1 labels are not.
    public var needsRegression: Bool { self == .nll || self == .distribution }

    /// The decoder's raw output count for `targets` targets (`bins` rating bins per target with `distribution`).
    public func outputCount(targets: Int, bins: Int = LabelVarianceDefaults.ratingBins) -> Int {
        switch self {
        case .stdAux, .nll: return 2 * targets
        case .off, .weighted: return targets
        case .distribution: return targets * bins
        }
    }

    /// The model's reported output count: T means, then T spreads for the modes that predict one.
    public func reportedOutputCount(targets: Int) -> Int { predictsSpread ? 2 * targets : targets }

    /// The column loss of `off`, `std-aux` and `weighted`: per target, the task's loss on the mean column (weight
    /// 1/T), and with `std-aux` 1 − CCC on the spread column (weight λ/T). (`weighted` adds per-row weights when
    /// it is evaluated; `nll` and `distribution` have losses of their own, ``GaussianNLL`` and
    /// ``RatingDistribution``.)
    public func loss(targets: Int, meanLoss: LossKind, spreadWeight: Double) -> Loss {
        var terms = (0..<targets).map { LossTerm(column: $0, kind: meanLoss, weight: 1 / Double(targets)) }
        if self == .stdAux {
            terms += (0..<targets).map {
                LossTerm(column: targets + $0, kind: .ccc, weight: spreadWeight / Double(targets))
            }
        }
        return Loss(terms: terms)
    }
}

/// Constants of the label-variance modes (ours; the papers do not fix them), in one place.
public enum LabelVarianceDefaults {
    /// Rating bins per target for `distribution`: 9 is the number of grades of the 9-point scales of the
    /// seed papers' corpora and of vader-minilm (integers −4…4), so each grade is one bin there.
    public static let ratingBins = 9
    /// `nll`'s variance floor as a fraction of the train split's consensus-label variance per target:
    /// σ² ≥ 0.01 · var(y). Without a floor, an utterance whose raters all agree (s = 0) drives σ² → 0 and the
    /// loss → −∞; 1 % keeps the floor below any real rater spread (vader-minilm: var(y) ≈ 2.6, floor σ ≈ 0.16,
    /// mean rater spread 0.90) whatever the label's units.
    public static let varianceFloorFraction = 0.01
    /// The smallest floor, for a train split whose labels are (nearly) constant.
    public static let minimumVarianceFloor = 1e-6
}
