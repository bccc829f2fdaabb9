/// Minimum and maximum of every dimension and every target: the first pass of `mis-hist`, whose histogram
/// edges are cut from these, and an exact test for constant columns.
public struct RangePartial: MergeablePartial, Equatable, Sendable {
    /// The serialisation tag.
    public static let kind = PartialKind.range

    /// Global dimension indices covered.
    public private(set) var dimensions: Range<Int>
    /// Number of targets.
    public private(set) var targetCount: Int
    /// Observations seen.
    public private(set) var count: Int = 0
    /// Per-dimension minimum (+∞ when empty).
    public private(set) var minX: [Double]
    /// Per-dimension maximum (−∞ when empty).
    public private(set) var maxX: [Double]
    /// Per-target minimum.
    public private(set) var minY: [Double]
    /// Per-target maximum.
    public private(set) var maxY: [Double]

    /// An empty partial (the merge identity).
    public init(dimensions: Range<Int>, targetCount: Int) {
        self.dimensions = dimensions
        self.targetCount = targetCount
        minX = [Double](repeating: .infinity, count: dimensions.count)
        maxX = [Double](repeating: -.infinity, count: dimensions.count)
        minY = [Double](repeating: .infinity, count: targetCount)
        maxY = [Double](repeating: -.infinity, count: targetCount)
    }

    /// The ranges of one batch.
    public init(_ batch: Observations) {
        self.init(dimensions: batch.dimensionRange, targetCount: batch.targetCount)
        count = batch.count
        let width = batch.dimensions
        for row in 0..<batch.count {
            let base = row * width
            for column in 0..<width {
                let value = batch.features[base + column]
                minX[column] = min(minX[column], value)
                maxX[column] = max(maxX[column], value)
            }
            let yBase = row * targetCount
            for target in 0..<targetCount {
                let value = batch.targets[yBase + target]
                minY[target] = min(minY[target], value)
                maxY[target] = max(maxY[target], value)
            }
        }
    }

    /// Adds one batch of observations.
    public mutating func add(_ batch: Observations) throws { try merge(RangePartial(batch)) }

    /// Element-wise min and max: exact, associative and commutative.
    public mutating func merge(_ other: RangePartial) throws {
        guard other.dimensions == dimensions, other.targetCount == targetCount else {
            throw SaliencyError.shapeMismatch(
                what: "range merge", expected: "dimensions \(dimensions), \(targetCount) targets",
                found: "dimensions \(other.dimensions), \(other.targetCount) targets")
        }
        for index in minX.indices {
            minX[index] = min(minX[index], other.minX[index])
            maxX[index] = max(maxX[index], other.maxX[index])
        }
        for index in minY.indices {
            minY[index] = min(minY[index], other.minY[index])
            maxY[index] = max(maxY[index], other.maxY[index])
        }
        count += other.count
    }

    /// Whether the dimension at global index `dimension` took a single value (or none).
    public func isConstant(dimension: Int) -> Bool {
        let local = dimension - dimensions.lowerBound
        return !(minX[local] < maxX[local])
    }

    public func serialized() -> [UInt8] {
        var encoder = PartialEncoder(kind: Self.kind)
        encoder.write(dimensions.lowerBound)
        encoder.write(dimensions.count)
        encoder.write(targetCount)
        encoder.write(count)
        encoder.write(minX)
        encoder.write(maxX)
        encoder.write(minY)
        encoder.write(maxY)
        return encoder.bytes()
    }

    public init(serialized bytes: [UInt8]) throws {
        var decoder = try PartialDecoder(bytes, kind: Self.kind)
        let first = try decoder.readCount("first dimension")
        let width = try decoder.readCount("dimension count", limit: bytes.count)
        let targets = try decoder.readCount("target count", limit: bytes.count)
        self.init(dimensions: first..<(first + width), targetCount: targets)
        count = try decoder.readCount("count", limit: Int.max)
        minX = try decoder.readDoubles(expected: width, field: "minX")
        maxX = try decoder.readDoubles(expected: width, field: "maxX")
        minY = try decoder.readDoubles(expected: targets, field: "minY")
        maxY = try decoder.readDoubles(expected: targets, field: "maxY")
        try decoder.finish()
    }
}
