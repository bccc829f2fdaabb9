/// Whether `mis-hist` scores can rank dimensions at all on a dataset this size: the rule behind the warning
/// `salience scores` prints and the note in a scan report's scores section. It lives here, beside the
/// scan's other vocabulary, because both the command line and `Reports` (which may use only `ScanModel`)
/// apply it, and one place keeps them in agreement.
///
/// The plug-in MI of a B × B joint histogram of N observations is biased upwards by about
/// (B − 1)² / (2N) nats even for independent variables (Miller–Madow; Paninski 2003, "Estimation of entropy
/// and mutual information", eq. 3). When every dimension's score lies within one such bias of every other
/// (max − min ≤ (B − 1)² / (2N)), the spread across dimensions is no larger than what the estimator adds
/// by itself, and the ranking says little: e.g. 826 utterances and 32 bins give a bias of 0.58 nats, and
/// every dimension of vader-minilm's small subset then scored ~0.38. Miller–Madow's correction removes
/// the bias's mean but not its noise, of the same order, so the rule is the same with it.
public enum HistogramResolution {
    /// (B − 1)² / (2N) nats: the plug-in estimator's bias for independent variables.
    public static func bias(observations: Int, bins: Int) -> Double {
        guard observations > 0 else { return .infinity }
        return Double((bins - 1) * (bins - 1)) / (2 * Double(observations))
    }

    /// A warning when the scores' spread across dimensions is within the bias, else nil.
    public static func warning(scores: [Double], observations: Int, bins: Int) -> String? {
        guard let low = scores.min(), let high = scores.max(), scores.count >= 2 else { return nil }
        let bias = bias(observations: observations, bins: bins)
        guard high - low <= bias else { return nil }
        // The smallest N at which this spread would clear the bias, to say how much data would help.
        let needed = high > low ? Int((Double((bins - 1) * (bins - 1)) / (2 * (high - low))).rounded(.up)) : nil
        return "mis-hist is near-flat: its scores span \(format(high - low)) nats across \(scores.count) "
            + "dimensions, within the histogram estimator's bias (B − 1)²/(2N) = \(format(bias)) nats for "
            + "N = \(observations) observations and B = \(bins) bins, so its ranking is mostly noise. Prefer mis "
            + "(KSG), fewer bins"
            + (needed.map { ", or more data (this spread needs N > \($0))" } ?? ", or more data")
            + ". Rule: warned when max − min ≤ (B − 1)²/(2N)."
    }

    private static func format(_ value: Double) -> String {
        let rounded = (value * 1000).rounded() / 1000
        return "\(rounded)"
    }
}
