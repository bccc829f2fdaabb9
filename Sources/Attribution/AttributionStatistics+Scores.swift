/// The per-dimension scores derived from merged attribution statistics. All are 0 for empty statistics.
extension AttributionStatistics {
    /// Mean over utterances of |c[u, d]| for the `k`-th attributed output (the IG score of methods.md).
    public func meanAbsolute(output k: Int) -> [Double] { slice(absoluteMean, k) }

    /// Population standard deviation over utterances of |c[u, d]| for the `k`-th attributed output (numpy's
    /// `std`, ddof 0, like the other population moments of methods.md).
    public func standardDeviation(output k: Int) -> [Double] {
        guard count > 0 else { return Array(repeating: 0, count: width) }
        return slice(absoluteM2, k).map { ($0 / Double(count)).squareRoot() }
    }

    /// Mean over utterances of the signed c[u, d] for the `k`-th attributed output.
    public func signedMean(output k: Int) -> [Double] { slice(signedSum, k).map { perUtterance($0) } }

    /// Mean over utterances of (1/T) Σ_τ |a[u, τ, d]| for the `k`-th attributed output.
    public func frameMeanAbsolute(output k: Int) -> [Double] {
        slice(frameAbsoluteSum, k).map { perUtterance($0) }
    }

    /// Mean |completeness delta| over utterances for the `k`-th attributed output.
    public func meanAbsoluteDelta(output k: Int) -> Double { perUtterance(deltaAbsoluteSum[k]) }

    /// Largest |completeness delta| over utterances for the `k`-th attributed output.
    public func maxAbsoluteDelta(output k: Int) -> Double { deltaAbsoluteMax[k] }

    /// `meanAbsolute` averaged over the attributed outputs: the `ig` score.
    public var meanAbsolute: [Double] { averaged(meanAbsolute(output:)) }
    /// `standardDeviation` averaged over the attributed outputs.
    public var standardDeviation: [Double] { averaged(standardDeviation(output:)) }
    /// `signedMean` averaged over the attributed outputs.
    public var signedMean: [Double] { averaged(signedMean(output:)) }
    /// `frameMeanAbsolute` averaged over the attributed outputs.
    public var frameMeanAbsolute: [Double] { averaged(frameMeanAbsolute(output:)) }
    /// Mean |completeness delta| over utterances and attributed outputs.
    public var meanAbsoluteDelta: Double {
        outputs.isEmpty ? 0 : outputs.indices.map(meanAbsoluteDelta(output:)).reduce(0, +) / Double(outputs.count)
    }

    private func slice(_ values: [Double], _ k: Int) -> [Double] { Array(values[k * width..<(k + 1) * width]) }

    private func perUtterance(_ sum: Double) -> Double { count == 0 ? 0 : sum / Double(count) }

    private func averaged(_ perOutput: (Int) -> [Double]) -> [Double] {
        var total = [Double](repeating: 0, count: width)
        guard !outputs.isEmpty else { return total }
        for k in outputs.indices {
            for (d, value) in perOutput(k).enumerated() { total[d] += value }
        }
        return total.map { $0 / Double(outputs.count) }
    }
}
