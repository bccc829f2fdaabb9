/// A 2-D k-d tree for k-nearest-neighbour distances under the Chebyshev (max) metric, the joint-space
/// search of the KSG estimator.
///
/// Built like scikit-learn's `KDTree`: a complete binary tree whose nodes split their points at the median
/// of the wider axis, down to leaves of at most `leafSize` points; points are stored interleaved
/// (x, y) in tree order. Distances are computed exactly as scikit-learn computes them (`max(|Δx|, |Δy|)`),
/// and box pruning is exact, so the k-th distance equals scikit-learn's bit for bit.
///
/// - Complexity: build O(N log N) (quickselect per level); each query O(log N) expected.
struct ChebyshevTree {
    /// Interleaved (x, y) of every point, in tree order.
    private(set) var points: [Double]
    /// The caller's index of every point, in tree order.
    private(set) var indices: [Int32]
    /// Per node: first point, one past the last point.
    private var ranges: [Int32]
    /// Per node: min x, max x, min y, max y.
    private var bounds: [Double]
    /// Nodes 0..<leafStart are internal (children 2i+1, 2i+2); the rest are leaves.
    private let leafStart: Int
    private let nodeCount: Int

    /// Points per leaf: small, since only k = 3 neighbours are sought, and a leaf is scanned linearly.
    static let leafSize = 16

    /// Builds the tree over points (x[i], y[i]).
    init(x: [Double], y: [Double]) {
        let count = x.count
        var levels = 1
        while (count >> (levels - 1)) > Self.leafSize { levels += 1 }
        nodeCount = (1 << levels) - 1
        leafStart = (1 << (levels - 1)) - 1
        points = [Double](repeating: 0, count: 2 * count)
        indices = (0..<count).map { Int32($0) }
        for index in 0..<count {
            points[2 * index] = x[index]
            points[2 * index + 1] = y[index]
        }
        ranges = [Int32](repeating: 0, count: 2 * nodeCount)
        bounds = [Double](repeating: 0, count: 4 * nodeCount)
        let nodes = nodeCount
        let leaves = leafStart
        points.withUnsafeMutableBufferPointer { points in
            indices.withUnsafeMutableBufferPointer { indices in
                ranges.withUnsafeMutableBufferPointer { ranges in
                    bounds.withUnsafeMutableBufferPointer { bounds in
                        ranges[0] = 0
                        ranges[1] = Int32(count)
                        for node in 0..<nodes {
                            let from = Int(ranges[2 * node])
                            let to = Int(ranges[2 * node + 1])
                            var minX = Double.infinity
                            var maxX = -Double.infinity
                            var minY = Double.infinity
                            var maxY = -Double.infinity
                            for index in from..<to {
                                let px = points[2 * index]
                                let py = points[2 * index + 1]
                                minX = min(minX, px)
                                maxX = max(maxX, px)
                                minY = min(minY, py)
                                maxY = max(maxY, py)
                            }
                            bounds[4 * node] = minX
                            bounds[4 * node + 1] = maxX
                            bounds[4 * node + 2] = minY
                            bounds[4 * node + 3] = maxY
                            guard node < leaves else { continue }
                            let middle = from + (to - from) / 2
                            if to - from > 1 {
                                Self.select(
                                    points, indices, axis: (maxX - minX) >= (maxY - minY) ? 0 : 1, from, to, middle)
                            }
                            ranges[2 * (2 * node + 1)] = Int32(from)
                            ranges[2 * (2 * node + 1) + 1] = Int32(middle)
                            ranges[2 * (2 * node + 2)] = Int32(middle)
                            ranges[2 * (2 * node + 2) + 1] = Int32(to)
                        }
                    }
                }
            }
        }
    }

    /// Reorders points `from..<to` so that position `k` holds the point of rank k along `axis`, smaller or
    /// equal before it and larger or equal after (Hoare partition, median-of-three pivot).
    private static func select(
        _ points: UnsafeMutableBufferPointer<Double>, _ indices: UnsafeMutableBufferPointer<Int32>, axis: Int,
        _ from: Int, _ to: Int, _ k: Int
    ) {
        @inline(__always) func key(_ index: Int) -> Double { points[2 * index + axis] }
        @inline(__always) func swap(_ a: Int, _ b: Int) {
            let ax = points[2 * a]
            let ay = points[2 * a + 1]
            points[2 * a] = points[2 * b]
            points[2 * a + 1] = points[2 * b + 1]
            points[2 * b] = ax
            points[2 * b + 1] = ay
            indices.swapAt(a, b)
        }
        var low = from
        var high = to - 1
        while high > low {
            let a = key(low)
            let b = key(low + (high - low) / 2)
            let c = key(high)
            let pivot = max(min(a, b), min(max(a, b), c))
            var i = low
            var j = high
            while i <= j {
                while key(i) < pivot { i += 1 }
                while key(j) > pivot { j -= 1 }
                if i <= j {
                    swap(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                high = j
            } else if k >= i {
                low = i
            } else {
                return
            }
        }
    }

    /// For every point, indexed as the caller's arrays, the Chebyshev distance to its k-th nearest other point.
    /// - Precondition: `1 <= k < number of points` (checked by the caller).
    func kthNeighbourDistances(k: Int) -> [Double] {
        let count = points.count / 2
        var out = [Double](repeating: 0, count: count)
        var best = [Double](repeating: .infinity, count: k)
        // Depth-first stack of (node, lower bound of its distance); a complete tree of depth < 64.
        var stackNodes = [Int](repeating: 0, count: 128)
        var stackGaps = [Double](repeating: 0, count: 128)
        let leafStart = self.leafStart
        points.withUnsafeBufferPointer { points in
            indices.withUnsafeBufferPointer { indices in
                ranges.withUnsafeBufferPointer { ranges in
                    bounds.withUnsafeBufferPointer { bounds in
                        best.withUnsafeMutableBufferPointer { best in
                            stackNodes.withUnsafeMutableBufferPointer { stackNodes in
                                stackGaps.withUnsafeMutableBufferPointer { stackGaps in
                                    for point in 0..<count {
                                        let px = points[2 * point]
                                        let py = points[2 * point + 1]
                                        for index in 0..<k { best[index] = .infinity }
                                        var worst = Double.infinity
                                        var top = 1
                                        stackNodes[0] = 0
                                        stackGaps[0] = 0
                                        while top > 0 {
                                            top -= 1
                                            if stackGaps[top] >= worst { continue }
                                            let node = stackNodes[top]
                                            if node >= leafStart {
                                                for other in Int(ranges[2 * node])..<Int(ranges[2 * node + 1]) {
                                                    let distance = max(
                                                        abs(points[2 * other] - px), abs(points[2 * other + 1] - py))
                                                    if distance < worst && other != point {
                                                        var slot = k - 1
                                                        while slot > 0 && best[slot - 1] > distance {
                                                            best[slot] = best[slot - 1]
                                                            slot -= 1
                                                        }
                                                        best[slot] = distance
                                                        worst = best[k - 1]
                                                    }
                                                }
                                            } else {
                                                let left = 2 * node + 1
                                                let right = left + 1
                                                let leftGap = Self.gap(bounds, left, px, py)
                                                let rightGap = Self.gap(bounds, right, px, py)
                                                // The nearer child is pushed last, so visited first.
                                                if leftGap <= rightGap {
                                                    stackNodes[top] = right
                                                    stackGaps[top] = rightGap
                                                    stackNodes[top + 1] = left
                                                    stackGaps[top + 1] = leftGap
                                                } else {
                                                    stackNodes[top] = left
                                                    stackGaps[top] = leftGap
                                                    stackNodes[top + 1] = right
                                                    stackGaps[top + 1] = rightGap
                                                }
                                                top += 2
                                            }
                                        }
                                        out[Int(indices[point])] = worst
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Exact lower bound of the Chebyshev distance from (px, py) to any point in the node's box.
    @inline(__always)
    private static func gap(_ bounds: UnsafeBufferPointer<Double>, _ node: Int, _ px: Double, _ py: Double) -> Double {
        let gapX = max(0, max(bounds[4 * node] - px, px - bounds[4 * node + 1]))
        let gapY = max(0, max(bounds[4 * node + 2] - py, py - bounds[4 * node + 3]))
        return max(gapX, gapY)
    }
}
