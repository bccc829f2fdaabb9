/// How the raters' disagreement enters training (../shared/docs/methods.md, "Label variance").
public enum LabelVarianceMode: String, Codable, Sendable, CaseIterable {
    /// 2T outputs, the mean and the spread; loss (1 − CCC(mean)) + λ (1 − CCC(spread)).
    case stdAux = "std-aux"
    /// T outputs trained on the mean alone.
    case off

    /// The decoder's output count for `targets` targets.
    public func outputCount(targets: Int) -> Int { self == .stdAux ? 2 * targets : targets }

    /// The loss: per target, the task's loss on the mean column (weight 1/T), and with `std-aux` 1 − CCC on
    /// the spread column (weight λ/T).
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
