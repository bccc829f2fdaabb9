import Foundation
import Shards

/// What a trained model needs, beyond its weights, to turn raw decoder outputs into reported ones: the mode,
/// the task and T, `nll`'s variance floor per target and `distribution`'s rating-bin centres. Both are fitted
/// on the train split (``fitted(mode:task:train:)``) and saved with the model, so a model predicts the same
/// numbers after loading.
///
/// Raw outputs per row: T means then T spread logits z (`nll`, σ² = floor + softplus(z)); T·K bin logits,
/// target-major (`distribution`); T means, then T spreads (`std-aux`); T means (`off`, `weighted`). Reported
/// outputs: T means (sigmoid probabilities for binary tasks), then T spreads σ when the mode predicts one.
public struct LabelVarianceHead: Codable, Equatable, Sendable {
    /// The label-variance mode.
    public var mode: LabelVarianceMode
    /// Regression or binary.
    public var task: TaskKind
    /// T.
    public var targets: Int
    /// `nll`: σ²'s floor per target (empty otherwise).
    public var varianceFloor: [Double]
    /// `distribution`: the K rating-bin centres, ascending, shared by every target (empty otherwise).
    public var binCentres: [Double]

    /// A head with explicit parameters.
    public init(
        mode: LabelVarianceMode, task: TaskKind, targets: Int, varianceFloor: [Double] = [], binCentres: [Double] = []
    ) {
        self.mode = mode
        self.task = task
        self.targets = targets
        self.varianceFloor = varianceFloor
        self.binCentres = binCentres
    }

    /// The head of `mode` with its floor or bins fitted on the train split: σ²_min,t = max(0.01 · var(y_t),
    /// 10⁻⁶) over train consensus labels; K centres spaced evenly from the smallest to the largest train rating
    /// (or, with only `label_std`, of y ± 2s).
    public static func fitted(mode: LabelVarianceMode, task: TaskKind, train: UtteranceSet) -> LabelVarianceHead {
        let t = train.targetCount
        var head = LabelVarianceHead(mode: mode, task: task, targets: t)
        switch mode {
        case .nll:
            head.varianceFloor = (0..<t).map { target in
                let y = (0..<train.count).map { Double(train.labels[$0 * t + target]) }
                let mean = y.reduce(0, +) / Double(max(y.count, 1))
                let variance = y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(y.count, 1))
                return max(
                    LabelVarianceDefaults.varianceFloorFraction * variance, LabelVarianceDefaults.minimumVarianceFloor)
            }
        case .distribution:
            head.binCentres = RatingDistribution.binCentres(train, bins: LabelVarianceDefaults.ratingBins)
        case .off, .stdAux, .weighted:
            break
        }
        return head
    }

    /// The decoder's raw output count.
    public var decoderOutputs: Int { mode.outputCount(targets: targets, bins: max(binCentres.count, 1)) }
    /// The reported output count.
    public var reportedOutputs: Int { mode.reportedOutputCount(targets: targets) }

    /// Reported outputs `[rows, reportedOutputs]` from raw decoder outputs `[rows, decoderOutputs]`. For `off`
    /// and `std-aux` this is the activation models had before the other modes (sigmoid on binary means), bit
    /// for bit.
    public func report(_ raw: [Float]) -> [Float] {
        let inWidth = decoderOutputs
        let outWidth = reportedOutputs
        let rows = raw.count / max(inWidth, 1)
        switch mode {
        case .off, .stdAux, .weighted:
            var out = raw
            if task == .binary {
                for r in 0..<rows {
                    for j in 0..<targets { out[r * inWidth + j] = 1 / (1 + exp(-raw[r * inWidth + j])) }
                }
            }
            return out
        case .nll:
            var out = [Float](repeating: 0, count: rows * outWidth)
            for r in 0..<rows {
                for j in 0..<targets {
                    out[r * outWidth + j] = raw[r * inWidth + j]
                    let z = Double(raw[r * inWidth + targets + j])
                    out[r * outWidth + targets + j] = Float((varianceFloor[j] + GaussianNLL.softplus(z)).squareRoot())
                }
            }
            return out
        case .distribution:
            var out = [Float](repeating: 0, count: rows * outWidth)
            let k = binCentres.count
            for r in 0..<rows {
                for j in 0..<targets {
                    let logits = (0..<k).map { Double(raw[r * inWidth + j * k + $0]) }
                    let (mean, sd) = RatingDistribution.moments(RatingDistribution.softmax(logits), binCentres)
                    out[r * outWidth + j] = Float(mean)
                    out[r * outWidth + targets + j] = Float(sd)
                }
            }
            return out
        }
    }

    /// ∂(reported output j of each row)/∂(raw outputs), `[rows, decoderOutputs]`, at raw outputs `raw`: the seed
    /// of the backward pass that gives a reported output's input gradient (Integrated Gradients).
    public func seed(_ raw: [Float], output j: Int) -> [Float] {
        let inWidth = decoderOutputs
        let rows = raw.count / max(inWidth, 1)
        var seed = [Float](repeating: 0, count: raw.count)
        for r in 0..<rows {
            switch mode {
            case .off, .stdAux, .weighted:
                let isSigmoid = task == .binary && j < targets
                let p = 1 / (1 + exp(-raw[r * inWidth + j]))
                seed[r * inWidth + j] = isSigmoid ? p * (1 - p) : 1
            case .nll:
                if j < targets {
                    seed[r * inWidth + j] = 1
                } else {
                    let t = j - targets
                    let z = Double(raw[r * inWidth + j])
                    let sigma = (varianceFloor[t] + GaussianNLL.softplus(z)).squareRoot()
                    seed[r * inWidth + j] = Float(GaussianNLL.sigmoid(z) / (2 * sigma))
                }
            case .distribution:
                let t = j % targets
                let k = binCentres.count
                let p = RatingDistribution.softmax((0..<k).map { Double(raw[r * inWidth + t * k + $0]) })
                let (mean, sd) = RatingDistribution.moments(p, binCentres)
                for b in 0..<k {
                    let c = binCentres[b]
                    // ∂m/∂z_b = p_b (c_b − m); ∂σ/∂z_b = p_b ((c_b − m)² − σ²) / (2σ).
                    let d =
                        j < targets
                        ? p[b] * (c - mean) : (sd > 0 ? p[b] * ((c - mean) * (c - mean) - sd * sd) / (2 * sd) : 0)
                    seed[r * inWidth + t * k + b] = Float(d)
                }
            }
        }
        return seed
    }
}
