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

    /// Scores from a merged joint histogram, the tables computed on up to `threads` threads (nil: every core).
    public static func scores(
        _ histogram: JointHistogramPartial, millerMadow: Bool = false, threads: Int? = nil
    ) throws -> DimensionScores {
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
        let dimensions = Array(layout.dimensions)
        let constant = dimensions.indices.filter { !(layout.lowX[$0] < layout.highX[$0]) }.map { dimensions[$0] }
        // Every (dimension, target) is independent: slices of dimensions on every core, each value written
        // once to its own place, so the result does not depend on the slicing.
        let targets = layout.targetCount
        var values = [Double](repeating: 0, count: targets * dimensions.count)
        let cores = threads ?? ProcessInfo.processInfo.activeProcessorCount
        let slices = max(1, min(cores, dimensions.count / 64))
        values.withUnsafeMutableBufferPointer { buffer in
            DispatchQueue.concurrentPerform(iterations: slices) { slice in
                for local in stride(from: slice, to: dimensions.count, by: slices)
                where layout.lowX[local] < layout.highX[local] {
                    for target in 0..<targets where !constantTargets[target] {
                        buffer[target * dimensions.count + local] = mutualInformation(
                            table: histogram.table(dimension: dimensions[local], target: target),
                            rows: layout.binsX, columns: layout.binsY[target], millerMadow: millerMadow)
                    }
                }
            }
        }
        let perTarget = (0..<targets).map { Array(values[($0 * dimensions.count)..<(($0 + 1) * dimensions.count)]) }
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
