/// Rows of pooled feature vectors, each paired with its targets: what every partial and score consumes.
///
/// A row is one utterance (utterance-mean pooling) or one frame (frame pooling). Columns may be a block of
/// the embedding's dimensions: `firstDimension` is the global index of column 0, so partials computed on
/// different blocks know where they belong.
public struct Observations: Sendable {
    /// Rows (utterances or frames).
    public let count: Int
    /// Columns of `features` (a block of the embedding's dimensions, or all of them).
    public let dimensions: Int
    /// Targets per row.
    public let targetCount: Int
    /// Global index of the first column.
    public let firstDimension: Int
    /// Row-major `count × dimensions`.
    public let features: [Double]
    /// Row-major `count × targetCount`.
    public let targets: [Double]
    /// Per row, the key of the utterance it came from (`PoissonBootstrap.key(of:)` of its id), so bootstrap
    /// replicates weight a row by its utterance whatever piece of the data holds it; nil when not known.
    public let rowKeys: [UInt64]?

    /// The global dimension indices this batch covers.
    public var dimensionRange: Range<Int> { firstDimension..<(firstDimension + dimensions) }

    /// Wraps row-major arrays, checking their sizes and that every value is finite.
    public init(
        features: [Double], targets: [Double], count: Int, dimensions: Int, targetCount: Int, firstDimension: Int = 0,
        rowKeys: [UInt64]? = nil
    ) throws {
        guard count >= 0, dimensions >= 1, targetCount >= 1, firstDimension >= 0 else {
            throw SaliencyError.invalidParameter(
                "observations need count >= 0, dimensions >= 1, targets >= 1 (got \(count), \(dimensions), \(targetCount))"
            )
        }
        guard features.count == count * dimensions else {
            throw SaliencyError.shapeMismatch(
                what: "observation features", expected: "\(count) x \(dimensions) = \(count * dimensions)",
                found: "\(features.count)")
        }
        guard targets.count == count * targetCount else {
            throw SaliencyError.shapeMismatch(
                what: "observation targets", expected: "\(count) x \(targetCount) = \(count * targetCount)",
                found: "\(targets.count)")
        }
        if let rowKeys, rowKeys.count != count {
            throw SaliencyError.shapeMismatch(
                what: "observation row keys", expected: "\(count)", found: "\(rowKeys.count)")
        }
        if let bad = features.firstIndex(where: { !$0.isFinite }) {
            throw SaliencyError.nonFiniteValue(what: "features", row: bad / dimensions, column: bad % dimensions)
        }
        if let bad = targets.firstIndex(where: { !$0.isFinite }) {
            throw SaliencyError.nonFiniteValue(what: "targets", row: bad / targetCount, column: bad % targetCount)
        }
        self.features = features
        self.targets = targets
        self.count = count
        self.dimensions = dimensions
        self.targetCount = targetCount
        self.firstDimension = firstDimension
        self.rowKeys = rowKeys
    }

    /// One column of `features`, copied out.
    public func column(_ local: Int) -> [Double] {
        (0..<count).map { features[$0 * dimensions + local] }
    }

    /// One target, copied out.
    public func target(_ index: Int) -> [Double] {
        (0..<count).map { targets[$0 * targetCount + index] }
    }

    /// The rows in `rows`, as a new batch (used to split data into pieces).
    public func rows(_ rows: Range<Int>) -> Observations {
        let clamped = rows.clamped(to: 0..<count)
        // Sizes are consistent by construction, so this cannot fail.
        return try! Observations(
            features: Array(features[(clamped.lowerBound * dimensions)..<(clamped.upperBound * dimensions)]),
            targets: Array(targets[(clamped.lowerBound * targetCount)..<(clamped.upperBound * targetCount)]),
            count: clamped.count, dimensions: dimensions, targetCount: targetCount, firstDimension: firstDimension,
            rowKeys: rowKeys.map { Array($0[clamped]) })
    }

    /// The rows at `indices` (in range, in the order given), as a new batch: a subsample.
    public func selecting(rows indices: [Int]) -> Observations {
        var chosenFeatures = [Double]()
        chosenFeatures.reserveCapacity(indices.count * dimensions)
        var chosenTargets = [Double]()
        chosenTargets.reserveCapacity(indices.count * targetCount)
        for row in indices {
            chosenFeatures.append(contentsOf: features[(row * dimensions)..<((row + 1) * dimensions)])
            chosenTargets.append(contentsOf: targets[(row * targetCount)..<((row + 1) * targetCount)])
        }
        // Sizes are consistent by construction, so this cannot fail.
        return try! Observations(
            features: chosenFeatures, targets: chosenTargets, count: indices.count, dimensions: dimensions,
            targetCount: targetCount, firstDimension: firstDimension,
            rowKeys: rowKeys.map { keys in indices.map { keys[$0] } })
    }

    /// The columns in `local` (indices relative to this batch), as a new batch with the right `firstDimension`.
    public func columns(_ local: Range<Int>) -> Observations {
        let clamped = local.clamped(to: 0..<dimensions)
        var out = [Double]()
        out.reserveCapacity(count * clamped.count)
        for row in 0..<count {
            out.append(
                contentsOf: features[(row * dimensions + clamped.lowerBound)..<(row * dimensions + clamped.upperBound)])
        }
        return try! Observations(
            features: out, targets: targets, count: count, dimensions: clamped.count, targetCount: targetCount,
            firstDimension: firstDimension + clamped.lowerBound, rowKeys: rowKeys)
    }
}

extension Observations {
    /// The rows of several batches over the same columns and targets, in order, as one batch (the KSG
    /// estimator needs every row of its dimensions at once).
    /// - Throws: `SaliencyError.tooFewObservations` for no batches; the initialiser's error for batches whose
    ///   shapes differ.
    public static func concatenating(_ batches: [Observations]) throws -> Observations {
        guard let first = batches.first else {
            throw SaliencyError.tooFewObservations(required: 1, found: 0, statistic: "mis")
        }
        var features = [Double]()
        var targets = [Double]()
        features.reserveCapacity(batches.reduce(0) { $0 + $1.features.count })
        targets.reserveCapacity(batches.reduce(0) { $0 + $1.targets.count })
        // Keys only when every batch has them: a row without a key cannot be weighted.
        var keys: [UInt64]? = batches.allSatisfy { $0.rowKeys != nil } ? [] : nil
        for batch in batches {
            features.append(contentsOf: batch.features)
            targets.append(contentsOf: batch.targets)
            if let batchKeys = batch.rowKeys { keys?.append(contentsOf: batchKeys) }
        }
        return try Observations(
            features: features, targets: targets, count: targets.count / first.targetCount,
            dimensions: first.dimensions, targetCount: first.targetCount, firstDimension: first.firstDimension,
            rowKeys: keys)
    }
}
