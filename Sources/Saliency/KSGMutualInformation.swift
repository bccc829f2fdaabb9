import Dispatch
import Foundation
import Numerics

/// `mis`: the Kraskov–Stögbauer–Grassberger k-nearest-neighbour estimate of the mutual information (nats)
/// between each dimension and each target, exactly as scikit-learn's `mutual_info_regression` computes it
/// for a continuous feature and target (`_compute_mi_cc`):
///
/// 1. scale x and y to unit (population) standard deviation without centring (`sklearn.preprocessing.scale`
///    with `with_mean=False`; a standard deviation below 10·ε is treated as 1);
/// 2. add tie-breaking noise `1e-10 · max(1, mean|v|) · N(0, 1)` to each — scikit-learn draws it from
///    numpy's generator; we draw it from `SplitMix64` streams keyed by (seed, dimension) and (seed, target),
///    so it is deterministic and independent of how dimensions are split into blocks; `.none` turns it off;
/// 3. ε_i = Chebyshev distance from point i to its k-th nearest other point in the joint (x, y) space;
///    r_i = nextafter(ε_i, 0);
/// 4. n_x(i), n_y(i) = other points within r_i (inclusive) along x alone and y alone, i.e. strictly
///    closer than ε_i — the counts `KDTree.query_radius` returns minus the point itself;
/// 5. I = ψ(N) + ψ(k) − ⟨ψ(n_x + 1)⟩ − ⟨ψ(n_y + 1)⟩, clipped at 0.
///
/// It needs every observation of a dimension at once, so the work is sharded by dimension block: give it
/// every pooled train observation of a block of columns.
///
/// - Complexity: O(N log N) per (dimension, target) on continuous data: one sort by x, then a blocked sweep
///   for the joint k-NN (`ChebyshevSweep`) and galloping searches for the marginal counts.
public struct KSGMutualInformation: Sendable {
    /// The tie-breaking noise added after scaling.
    public enum Noise: Equatable, Sendable {
        /// No noise: ties stay ties (use on continuous data for exact comparison with a noiseless reference).
        case none
        /// Deterministic Gaussian noise from `SplitMix64` streams of this seed.
        case seeded(UInt64)
    }

    /// The method's name in score tables.
    public static let method = "mis"

    /// k, the neighbour whose distance sets each point's radius.
    public var neighbours: Int
    /// The tie-breaking noise.
    public var noise: Noise
    /// Threads to spread the block's columns over.
    public var threads: Int

    /// An estimator with scikit-learn's defaults (k = 3, noise on with seed 0).
    public init(neighbours: Int = SaliencyDefaults.ksgNeighbours, noise: Noise = .seeded(0), threads: Int = 1) {
        self.neighbours = neighbours
        self.noise = noise
        self.threads = threads
    }

    /// Per-target MI of every column of `batch` (all observations of a block of dimensions).
    public func scores(_ batch: Observations) throws -> DimensionScores {
        let count = batch.count
        guard neighbours >= 1 else { throw SaliencyError.invalidParameter("KSG needs k >= 1, got \(neighbours)") }
        guard count > neighbours else {
            throw SaliencyError.tooFewObservations(
                required: neighbours + 1, found: count, statistic: "KSG mutual information (k = \(neighbours))")
        }
        let psi = Self.digammaTable(upTo: count)
        var warnings = [ScoreWarning]()
        // Prepared targets: scaled, noised, and sorted for the marginal counts.
        var preparedTargets = [[Double]?]()
        for target in 0..<batch.targetCount {
            let values = batch.target(target)
            if Self.isConstant(values) {
                warnings.append(.zeroVarianceTarget(target: target))
                preparedTargets.append(nil)
            } else {
                preparedTargets.append(Self.prepared(values, stream: 1 << 32 | UInt64(target), noise: noise))
            }
        }
        let sortedTargets = preparedTargets.map { $0.map(SortedMarginal.init) }
        let width = batch.dimensions
        var results = [[Double]](repeating: [Double](repeating: 0, count: width), count: batch.targetCount)
        var constantColumns = [Bool](repeating: false, count: width)
        let lock = NSLock()
        var nextColumn = 0
        let workers = max(1, min(threads, width))
        let neighbours = self.neighbours
        let noise = self.noise
        let firstDimension = batch.firstDimension
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                lock.lock()
                let column = nextColumn
                nextColumn += 1
                lock.unlock()
                if column >= width { return }
                let raw = batch.column(column)
                var row = [Double](repeating: 0, count: preparedTargets.count)
                let constant = Self.isConstant(raw)
                if !constant {
                    let x = Self.prepared(raw, stream: UInt64(firstDimension + column), noise: noise)
                    let sortedX = SortedMarginal(x)
                    for target in preparedTargets.indices {
                        guard let y = preparedTargets[target], let sortedY = sortedTargets[target] else { continue }
                        row[target] = Self.estimate(
                            x: x, y: y, sortedX: sortedX, sortedY: sortedY, neighbours: neighbours, psi: psi)
                    }
                }
                lock.lock()
                for target in row.indices { results[target][column] = row[target] }
                constantColumns[column] = constant
                lock.unlock()
            }
        }
        let constant = constantColumns.indices.filter { constantColumns[$0] }.map { firstDimension + $0 }
        if !constant.isEmpty { warnings.append(.constantDimensions(constant)) }
        return DimensionScores(
            method: Self.method, dimensions: batch.dimensionRange, perTarget: results, warnings: warnings)
    }

    /// The KSG estimate for one pair of already prepared (scaled, noised) variables.
    public static func mutualInformation(x: [Double], y: [Double], neighbours: Int = SaliencyDefaults.ksgNeighbours)
        throws -> Double
    {
        guard x.count == y.count else {
            throw SaliencyError.shapeMismatch(what: "KSG pair", expected: "\(x.count) values", found: "\(y.count)")
        }
        guard neighbours >= 1, x.count > neighbours else {
            throw SaliencyError.tooFewObservations(
                required: neighbours + 1, found: x.count, statistic: "KSG mutual information (k = \(neighbours))")
        }
        return estimate(
            x: x, y: y, sortedX: SortedMarginal(x), sortedY: SortedMarginal(y), neighbours: neighbours,
            psi: digammaTable(upTo: x.count))
    }

    /// ψ(n) for n = 0...count (entry 0 unused).
    static func digammaTable(upTo count: Int) -> [Double] {
        [0] + (1...count).map { digamma(Double($0)) }
    }

    static func isConstant(_ values: [Double]) -> Bool {
        guard let first = values.first else { return true }
        return values.allSatisfy { $0 == first }
    }

    /// Scaled to unit population standard deviation (not centred), then noised as configured.
    static func prepared(_ values: [Double], stream: UInt64, noise: Noise) -> [Double] {
        let count = Double(values.count)
        let mean = values.reduce(0, +) / count
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count
        var scale = variance.squareRoot()
        if scale < 10 * Double.ulpOfOne { scale = 1 }
        var scaled = values.map { $0 / scale }
        if case .seeded(let seed) = noise {
            let amplitude = SaliencyDefaults.ksgNoiseScale * max(1, scaled.reduce(0) { $0 + abs($1) } / count)
            var generator = SplitMix64(seed: seed, stream: stream)
            for index in scaled.indices { scaled[index] += amplitude * generator.nextNormal() }
        }
        return scaled
    }

    /// Values sorted ascending with, for each sorted position, the index the value came from, and the run of
    /// near-equal values (ties plus tie-breaking noise) each position belongs to.
    struct SortedMarginal: Sendable {
        let values: [Double]
        let origins: [Int32]
        /// Per sorted position, the first position and one past the last of its run: consecutive values
        /// within a millionth of the value range. Only a shortcut for the counts (each use is checked exactly).
        let runStarts: [Int32]
        let runEnds: [Int32]
        /// Whether runs are long enough on average (at least 4 values) for the shortcut to pay.
        let hasRuns: Bool

        init(_ raw: [Double]) {
            // Sorting (value, index) pairs directly is about twice as fast as sorting indices by value.
            var pairs = raw.indices.map { (raw[$0], Int32($0)) }
            pairs.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
            values = pairs.map(\.0)
            origins = pairs.map(\.1)
            let count = values.count
            var starts = [Int32](repeating: 0, count: count)
            var ends = [Int32](repeating: 0, count: count)
            var runCount = 0
            if let first = values.first, let last = values.last {
                // Runs split where consecutive values differ by more than a millionth of the range: far above
                // the 1e-10 noise, far below the spacing of distinct label values.
                let gap = 1e-6 * (last - first)
                var start = 0
                for position in 1...count where position == count || values[position] - values[position - 1] > gap {
                    for member in start..<position {
                        starts[member] = Int32(start)
                        ends[member] = Int32(position)
                    }
                    start = position
                    runCount += 1
                }
            }
            runStarts = starts
            runEnds = ends
            hasRuns = runCount * 4 <= count
        }
    }

    static func estimate(
        x: [Double], y: [Double], sortedX: SortedMarginal, sortedY: SortedMarginal, neighbours: Int, psi: [Double]
    ) -> Double {
        let count = x.count
        let distances = ChebyshevSweep(sortedX: sortedX.values, origins: sortedX.origins, y: y)
            .kthNeighbourDistances(k: neighbours)
        // scikit-learn: radius = np.nextafter(ε, 0), then query_radius counts points with dist <= radius,
        // the point itself included: that count is n + 1.
        let radii = distances.map { $0 > 0 ? $0.nextDown : 0 }
        let sumX = marginalDigammaSum(sortedX, radii: radii, psi: psi)
        let sumY = marginalDigammaSum(sortedY, radii: radii, psi: psi)
        let mi = psi[count] + psi[neighbours] - sumX / Double(count) - sumY / Double(count)
        return max(0, mi)
    }

    /// Σ ψ(count within radius) over the points of one marginal, galloping out from each point's own sorted
    /// position (counts are small, so this beats a binary search over all N).
    static func marginalDigammaSum(_ marginal: SortedMarginal, radii: [Double], psi: [Double]) -> Double {
        var sum = 0.0
        marginal.values.withUnsafeBufferPointer { values in
            marginal.origins.withUnsafeBufferPointer { origins in
                radii.withUnsafeBufferPointer { radii in
                    psi.withUnsafeBufferPointer { psi in
                        let runStarts = marginal.runStarts
                        let runEnds = marginal.runEnds
                        let hasRuns = marginal.hasRuns
                        let count = values.count
                        for position in 0..<count {
                            let centre = values[position]
                            let radius = radii[Int(origins[position])]
                            // Labels with few distinct values: the radius usually covers exactly the point's
                            // run of ties and nothing beyond it. The comparisons are the gallops' own, so the
                            // count is the same.
                            let start = Int(runStarts[position])
                            let end = Int(runEnds[position])
                            if hasRuns && centre - values[start] <= radius && values[end - 1] - centre <= radius
                                && (start == 0 || !(centre - values[start - 1] <= radius))
                                && (end == count || !(values[end] - centre <= radius))
                            {
                                sum += psi[end - start]
                                continue
                            }
                            let low = gallopDown(values, from: position) { centre - $0 <= radius }
                            let high = gallopUp(values, from: position, count: count) { $0 - centre <= radius }
                            sum += psi[high - low]
                        }
                    }
                }
            }
        }
        return sum
    }

    /// Steps scanned one by one before galloping.
    static let linearScan = 48

    /// The first index of the run ending at `from` (inclusive) where `inside` holds, `inside` being true on
    /// a suffix of `0...from` (true at `from`).
    @inline(__always)
    static func gallopDown(
        _ values: UnsafeBufferPointer<Double>, from: Int, _ inside: (Double) -> Bool
    ) -> Int {
        // Counts are usually small: a short linear scan first (predictable branches), then doubling steps.
        var known = from
        let scanEnd = max(0, from - linearScan)
        while known > scanEnd && inside(values[known - 1]) { known -= 1 }
        if known > scanEnd || known == 0 { return known }
        var step = 1
        var outside = -1
        while known - step >= 0 {
            if inside(values[known - step]) {
                known -= step
                step &<<= 1
            } else {
                outside = known - step
                break
            }
        }
        // The boundary lies in (outside, known]: binary search.
        var low = outside + 1
        var high = known
        while low < high {
            let middle = (low + high) >> 1
            if inside(values[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// One past the last index of the run starting at `from` where `inside` holds (true on a prefix of
    /// `from..<count`, true at `from`).
    @inline(__always)
    static func gallopUp(
        _ values: UnsafeBufferPointer<Double>, from: Int, count: Int, _ inside: (Double) -> Bool
    ) -> Int {
        var known = from
        let scanEnd = min(count - 1, from + linearScan)
        while known < scanEnd && inside(values[known + 1]) { known += 1 }
        if known < scanEnd || known == count - 1 { return known + 1 }
        var step = 1
        var outside = count
        while known + step < count {
            if inside(values[known + step]) {
                known += step
                step &<<= 1
            } else {
                outside = known + step
                break
            }
        }
        var low = known + 1
        var high = outside
        while low < high {
            let middle = (low + high) >> 1
            if inside(values[middle]) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
