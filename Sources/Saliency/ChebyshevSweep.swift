/// k-nearest-neighbour distances under the Chebyshev (max) metric in 2-D by a sweep over the points sorted
/// by x, cut into blocks of `blockSize` consecutive points whose y values are sorted within the block.
///
/// A query visits its own block, then blocks outward in x, nearer first, stopping on each side once the
/// block's x gap reaches the current k-th distance; within a block it starts at its own y (binary search)
/// and walks outward in y while |Δy| is below the k-th distance. Distances are computed exactly as
/// scikit-learn computes them (`max(|Δx|, |Δy|)`) and every pruning step is exact, so the k-th distance is
/// scikit-learn's bit for bit. The x-sorted order is the one the marginal counts need anyway.
///
/// - Complexity: O(N log N) to sort the blocks; a query costs O(log B) per visited block plus the points in
///   its y window: a few blocks for continuous data. A column with few distinct x values makes the strips
///   long (every block of a tie run is within gap 0): O(N · run / B) per column then.
struct ChebyshevSweep {
    static let blockSize = 64

    /// Per block position: y sorted within its block, the matching x, and the point's caller index.
    private var blockY: [Double]
    private var blockX: [Double]
    private var blockOrigin: [Int32]
    /// x of the first and last point of each block (x-sorted).
    private var firstX: [Double]
    private var lastX: [Double]
    private let count: Int

    /// - Parameters:
    ///   - sortedX: x ascending, with `origins[p]` the caller's index of the point at sorted position p.
    ///   - y: y by caller index.
    init(sortedX: [Double], origins: [Int32], y: [Double]) {
        count = sortedX.count
        let blocks = (count + Self.blockSize - 1) / Self.blockSize
        blockY = [Double](repeating: 0, count: count)
        blockX = [Double](repeating: 0, count: count)
        blockOrigin = [Int32](repeating: 0, count: count)
        firstX = [Double](repeating: 0, count: blocks)
        lastX = [Double](repeating: 0, count: blocks)
        var order = [Int](repeating: 0, count: Self.blockSize)
        for block in 0..<blocks {
            let start = block * Self.blockSize
            let end = min(count, start + Self.blockSize)
            firstX[block] = sortedX[start]
            lastX[block] = sortedX[end - 1]
            let size = end - start
            for index in 0..<size { order[index] = start + index }
            // Insertion sort by y: blocks are small.
            for index in 1..<max(1, size) {
                let position = order[index]
                let key = y[Int(origins[position])]
                var slot = index
                while slot > 0 && y[Int(origins[order[slot - 1]])] > key {
                    order[slot] = order[slot - 1]
                    slot -= 1
                }
                order[slot] = position
            }
            for index in 0..<size {
                let position = order[index]
                blockY[start + index] = y[Int(origins[position])]
                blockX[start + index] = sortedX[position]
                blockOrigin[start + index] = origins[position]
            }
        }
    }

    /// For every point, indexed as the caller's arrays, the distance to its k-th nearest other point.
    /// - Precondition: `1 <= k < count` (checked by the caller).
    func kthNeighbourDistances(k: Int) -> [Double] {
        var out = [Double](repeating: 0, count: count)
        var best = [Double](repeating: .infinity, count: k)
        let blocks = firstX.count
        let size = Self.blockSize
        blockY.withUnsafeBufferPointer { blockY in
            blockX.withUnsafeBufferPointer { blockX in
                blockOrigin.withUnsafeBufferPointer { blockOrigin in
                    firstX.withUnsafeBufferPointer { firstX in
                        lastX.withUnsafeBufferPointer { lastX in
                            best.withUnsafeMutableBufferPointer { best in
                                for position in 0..<count {
                                    let px = blockX[position]
                                    let py = blockY[position]
                                    let me = blockOrigin[position]
                                    for index in 0..<k { best[index] = .infinity }
                                    var worst = Double.infinity

                                    @inline(__always) func visit(_ block: Int) {
                                        let start = block * size
                                        let end = min(count, start + size)
                                        // First position in the block with y >= py.
                                        var low = start
                                        var high = end
                                        while low < high {
                                            let middle = (low + high) >> 1
                                            if blockY[middle] < py { low = middle + 1 } else { high = middle }
                                        }
                                        var up = low
                                        while up < end && blockY[up] - py < worst {
                                            let distance = max(abs(blockX[up] - px), blockY[up] - py)
                                            if distance < worst && blockOrigin[up] != me {
                                                insert(distance)
                                            }
                                            up += 1
                                        }
                                        var down = low - 1
                                        while down >= start && py - blockY[down] < worst {
                                            let distance = max(abs(blockX[down] - px), py - blockY[down])
                                            if distance < worst && blockOrigin[down] != me {
                                                insert(distance)
                                            }
                                            down -= 1
                                        }
                                    }

                                    @inline(__always) func insert(_ distance: Double) {
                                        var slot = k - 1
                                        while slot > 0 && best[slot - 1] > distance {
                                            best[slot] = best[slot - 1]
                                            slot -= 1
                                        }
                                        best[slot] = distance
                                        worst = best[k - 1]
                                    }

                                    let home = position / size
                                    visit(home)
                                    var left = home - 1
                                    var right = home + 1
                                    while true {
                                        let leftGap = left >= 0 ? px - lastX[left] : Double.infinity
                                        let rightGap = right < blocks ? firstX[right] - px : Double.infinity
                                        if leftGap >= worst && rightGap >= worst { break }
                                        if leftGap <= rightGap {
                                            visit(left)
                                            left -= 1
                                        } else {
                                            visit(right)
                                            right += 1
                                        }
                                    }
                                    out[Int(me)] = worst
                                }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
