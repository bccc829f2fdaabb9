/// The agreed equal-width bin edges of a joint histogram: one `[lo, hi]` interval per dimension and per
/// target, `binsX` bins on every dimension's axis and `binsY[t]` on target t's.
///
/// Edges are placed as `numpy.linspace(lo, hi, bins + 1)` places them (`lo + i·step`, last edge exactly
/// `hi`), and a value falls in bin i when `edge[i] <= value < edge[i+1]`, the last bin closed on the right —
/// `numpy.histogramdd`'s rule — so counts equal numpy's on the same edges.
public struct HistogramLayout: Equatable, Sendable {
    /// Global dimension indices covered.
    public let dimensions: Range<Int>
    /// Bins on every dimension's axis.
    public let binsX: Int
    /// Bins on each target's axis.
    public let binsY: [Int]
    /// Lower edge per dimension.
    public let lowX: [Double]
    /// Upper edge per dimension.
    public let highX: [Double]
    /// Lower edge per target.
    public let lowY: [Double]
    /// Upper edge per target.
    public let highY: [Double]

    /// Number of targets.
    public var targetCount: Int { binsY.count }

    /// Edges cut from a merged range pass: `bins` per dimension, and per target `bins` or, for a binary
    /// target, `SaliencyDefaults.binaryTargetBins`.
    public init(range: RangePartial, bins: Int, binaryTargets: Bool) throws {
        guard range.count > 0 else {
            throw SaliencyError.tooFewObservations(required: 1, found: 0, statistic: "histogram edges")
        }
        let yBins = binaryTargets ? SaliencyDefaults.binaryTargetBins : bins
        try self.init(
            dimensions: range.dimensions, binsX: bins, binsY: [Int](repeating: yBins, count: range.targetCount),
            lowX: range.minX, highX: range.maxX, lowY: range.minY, highY: range.maxY)
    }

    /// Explicit edges; throws when the sizes disagree or an interval is not finite and ordered.
    public init(
        dimensions: Range<Int>, binsX: Int, binsY: [Int], lowX: [Double], highX: [Double], lowY: [Double],
        highY: [Double]
    ) throws {
        guard binsX >= 1, !binsY.isEmpty, binsY.allSatisfy({ $0 >= 1 }) else {
            throw SaliencyError.invalidParameter("histogram bins must be >= 1 (got \(binsX), \(binsY))")
        }
        guard lowX.count == dimensions.count, highX.count == dimensions.count, lowY.count == binsY.count,
            highY.count == binsY.count
        else {
            throw SaliencyError.shapeMismatch(
                what: "histogram edges", expected: "\(dimensions.count) dimensions, \(binsY.count) targets",
                found: "\(lowX.count)/\(highX.count) dimension and \(lowY.count)/\(highY.count) target intervals")
        }
        for (index, (low, high)) in zip(lowX, highX).enumerated() where !(low.isFinite && high.isFinite && low <= high)
        {
            throw SaliencyError.invalidParameter(
                "dimension \(dimensions.lowerBound + index) interval [\(low), \(high)]")
        }
        for (index, (low, high)) in zip(lowY, highY).enumerated() where !(low.isFinite && high.isFinite && low <= high)
        {
            throw SaliencyError.invalidParameter("target \(index) interval [\(low), \(high)]")
        }
        self.dimensions = dimensions
        self.binsX = binsX
        self.binsY = binsY
        self.lowX = lowX
        self.highX = highX
        self.lowY = lowY
        self.highY = highY
    }

    /// Bin index of `value` on an axis `[low, high]` with `bins` bins (numpy's rule; values outside the
    /// interval go to the nearest end bin, which only happens when edges come from other data).
    static func bin(_ value: Double, low: Double, high: Double, bins: Int) -> Int {
        let edges = (0...bins).map { edge($0, low: low, high: high, bins: bins) }
        return edges.withUnsafeBufferPointer {
            bin(value, low: low, high: high, scale: Double(bins) / (high - low), edges: $0.baseAddress!, last: bins - 1)
        }
    }

    /// `bin(_:low:high:bins:)` with the axis' edges and `bins / (high − low)` precomputed.
    @inline(__always)
    static func bin(
        _ value: Double, low: Double, high: Double, scale: Double, edges: UnsafePointer<Double>, last: Int
    ) -> Int {
        if !(value < high) { return last }
        // Not `value <= low`: on an interval a few ulps wide, edges coincide and `low` belongs to the last bin
        // whose left edge it equals (numpy.histogramdd's searchsorted), not always to bin 0.
        if value < low { return low < high ? 0 : last }
        // An estimate from the scale, then fixed against the exact linspace edges, as numpy.histogram does.
        var index = min(last, max(0, Int((value - low) * scale)))
        while index > 0 && value < edges[index] { index -= 1 }
        while index < last && value >= edges[index + 1] { index += 1 }
        return index
    }

    /// `bin(_:low:high:scale:edges:last:)` for the counting loop. When the scaled position `(value − low) ·
    /// scale` lies in the interval and farther than `tolerance` from a whole number, its integer part is the
    /// bin: `tolerance` (`countingTolerance`) bounds how far rounding can move the position and the linspace
    /// edges apart, so no edge needs reading. Otherwise the estimate is clamped, fixed by at most one bin and
    /// checked against the edges, with the exact search when it does not check out (values at `high`,
    /// outside the interval, on a constant axis). Same result as `bin` for every value. `lastBin` is `last`
    /// as a Double.
    @inline(__always)
    static func binCounting(
        _ value: Double, low: Double, high: Double, scale: Double, edges: UnsafePointer<Double>, last: Int,
        lastBin: Double, tolerance: Double
    ) -> Int {
        // NaN (a constant axis gives 0 x infinity) fails every comparison.
        let estimate = (value - low) * scale
        if estimate >= 0 && estimate < lastBin + 1 {
            let whole = Int(estimate)
            let fraction = estimate - Double(whole)  // exact: the integer part of a double is one
            if fraction > tolerance && fraction < 1 - tolerance { return whole }
        }
        var index = Int(estimate >= 0 ? (estimate < lastBin ? estimate : lastBin) : 0)
        index &-= value < edges[index] ? 1 : 0
        index &+= value >= edges[index &+ 1] ? 1 : 0
        guard index >= 0, index <= last, value >= edges[index], value < edges[index &+ 1] else {
            return bin(value, low: low, high: high, scale: scale, edges: edges, last: last)
        }
        return index
    }

    /// The `tolerance` of `binCounting` on an axis: how far, in bins, rounding can put the computed position
    /// `(value − low) · bins / (high − low)` from the computed edge `low + i · step`, doubled. The position
    /// carries a few roundings relative to `bins`; an edge, a few relative to `max(|low|, |high|)`, which
    /// counts `bins · max / (high − low)` times more in bins when the interval is narrow far from zero.
    /// An axis where that reaches 1/2 (or a constant one: infinity) never takes the shortcut.
    static func countingTolerance(low: Double, high: Double, bins: Int) -> Double {
        let unit = Double.ulpOfOne / 2
        return 16 * unit * Double(bins) * (1 + (abs(low) + abs(high)) / (high - low))
    }

    /// Edge `index` of `numpy.linspace(low, high, bins + 1)`.
    @inline(__always)
    static func edge(_ index: Int, low: Double, high: Double, bins: Int) -> Double {
        if index == bins { return high }
        let step = (high - low) / Double(bins)
        return step == 0 ? low : Double(index) * step + low
    }

    /// The `bins + 1` edges of a dimension's axis (global index), as numpy.linspace gives them.
    public func edgesX(dimension: Int) -> [Double] {
        let local = dimension - dimensions.lowerBound
        return (0...binsX).map { HistogramLayout.edge($0, low: lowX[local], high: highX[local], bins: binsX) }
    }

    /// The edges of target `target`'s axis.
    public func edgesY(target: Int) -> [Double] {
        (0...binsY[target]).map {
            HistogramLayout.edge($0, low: lowY[target], high: highY[target], bins: binsY[target])
        }
    }
}
