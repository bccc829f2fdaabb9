import Foundation

/// `mis-hist`: the plug-in mutual information (nats) of each (dimension, target) joint histogram,
/// Σ p_ij ln(p_ij / (p_i p_j)), optionally with the Miller–Madow bias correction.
///
/// Miller–Madow adds (m − 1)/(2N) to each entropy estimate, m being the number of occupied bins; for
/// I = H(X) + H(Y) − H(X, Y) that is + (m_x + m_y − m_xy − 1)/(2N). The corrected value can fall below 0
/// and is then clipped to 0, as scikit-learn clips its KSG estimate.
public enum HistogramMutualInformation {
    /// The method's name in score tables.
    public static let method = "mis-hist"

    /// Scores from a merged joint histogram.
    public static func scores(_ histogram: JointHistogramPartial, millerMadow: Bool = false) throws -> DimensionScores {
        let layout = histogram.layout
        guard histogram.count >= SaliencyDefaults.minimumObservations else {
            throw SaliencyError.tooFewObservations(
                required: SaliencyDefaults.minimumObservations, found: histogram.count, statistic: "histogram MI")
        }
        var warnings = [ScoreWarning]()
        let constantTargets = (0..<layout.targetCount).map { !(layout.lowY[$0] < layout.highY[$0]) }
        for target in constantTargets.indices where constantTargets[target] {
            warnings.append(.zeroVarianceTarget(target: target))
        }
        var constant = [Int]()
        var perTarget = [[Double]](repeating: [], count: layout.targetCount)
        for (local, dimension) in layout.dimensions.enumerated() {
            let constantDimension = !(layout.lowX[local] < layout.highX[local])
            if constantDimension { constant.append(dimension) }
            for target in 0..<layout.targetCount {
                if constantDimension || constantTargets[target] {
                    perTarget[target].append(0)
                } else {
                    perTarget[target].append(
                        mutualInformation(
                            table: histogram.table(dimension: dimension, target: target), rows: layout.binsX,
                            columns: layout.binsY[target], millerMadow: millerMadow))
                }
            }
        }
        if !constant.isEmpty { warnings.append(.constantDimensions(constant)) }
        return DimensionScores(method: method, dimensions: layout.dimensions, perTarget: perTarget, warnings: warnings)
    }

    /// The plug-in MI of one row-major `rows × columns` count table (0 for an empty table).
    public static func mutualInformation(
        table: ArraySlice<Int>, rows: Int, columns: Int, millerMadow: Bool = false
    ) -> Double {
        let base = table.startIndex
        var rowSums = [Int](repeating: 0, count: rows)
        var columnSums = [Int](repeating: 0, count: columns)
        var total = 0
        for row in 0..<rows {
            for column in 0..<columns {
                let value = table[base + row * columns + column]
                rowSums[row] += value
                columnSums[column] += value
                total += value
            }
        }
        guard total > 0 else { return 0 }
        let n = Double(total)
        var mi = 0.0
        var occupied = 0
        for row in 0..<rows where rowSums[row] > 0 {
            for column in 0..<columns {
                let value = table[base + row * columns + column]
                guard value > 0 else { continue }
                occupied += 1
                let joint = Double(value)
                mi += joint / n * log(joint * n / (Double(rowSums[row]) * Double(columnSums[column])))
            }
        }
        if millerMadow {
            let occupiedRows = rowSums.filter { $0 > 0 }.count
            let occupiedColumns = columnSums.filter { $0 > 0 }.count
            mi += Double(occupiedRows + occupiedColumns - occupied - 1) / (2 * n)
        }
        return max(0, mi)
    }
}
