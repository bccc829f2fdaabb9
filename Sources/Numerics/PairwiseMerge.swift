/// Chan, Golub & LeVeque's pairwise update ("Updating formulae and a pairwise algorithm for computing
/// sample variances", 1979): two partial summaries of nA and nB observations — means and centred sums of
/// squares and cross-products — merge exactly into the summary of all n = nA + nB, with δ = meanB − meanA:
///
///     mean = meanA + δ·nB/n,   M2 = M2A + M2B + δ²·nA·nB/n,   C = CA + CB + δx·δy·nA·nB/n.
///
/// Every mergeable partial that keeps moments (CCS's moments, PCA's covariance, IG's attribution moments)
/// merges through this one value, so the formula and its rounding are the same everywhere.
public struct PairwiseMerge: Sendable {
    /// nA·nB/n: the weight of the products of the mean differences.
    public let weight: Double
    /// nB/n: how far the merged mean moves from A's toward B's.
    public let shift: Double

    /// The merge of a summary of `countA` observations with one of `countB` (both at least 1).
    public init(countA: Int, countB: Int) {
        precondition(countA > 0 && countB > 0, "PairwiseMerge needs two non-empty summaries")
        let nA = Double(countA)
        let nB = Double(countB)
        let n = nA + nB
        weight = nA * nB / n
        shift = nB / n
    }

    /// δ = meanB − meanA, element by element.
    public static func deltas(_ meansA: [Double], _ meansB: [Double]) -> [Double] {
        (0..<meansA.count).map { meansB[$0] - meansA[$0] }
    }

    /// meanA += δ·nB/n.
    /// - Complexity: O(means.count).
    public func moveMeans(_ means: inout [Double], by deltas: [Double]) {
        for index in means.indices { means[index] += deltas[index] * shift }
    }

    /// M2A += M2B + δ²·nA·nB/n.
    /// - Complexity: O(squares.count).
    public func addSquares(_ squares: inout [Double], _ other: [Double], deltas: [Double]) {
        for index in squares.indices { squares[index] += other[index] + deltas[index] * deltas[index] * weight }
    }

    /// CA += CB + δx·δyᵀ·nA·nB/n, for row-major `deltasX.count x deltasY.count` cross-products.
    /// - Complexity: O(deltasX.count · deltasY.count).
    public func addCross(_ cross: inout [Double], _ other: [Double], deltasX: [Double], deltasY: [Double]) {
        let columns = deltasY.count
        for row in deltasX.indices {
            for column in 0..<columns {
                let index = row * columns + column
                cross[index] += other[index] + deltasX[row] * deltasY[column] * weight
            }
        }
    }
}
