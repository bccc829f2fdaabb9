/// Attribution statistics laid out as a score table: one row per input dimension (its index in the
/// dataset), the scores averaged over outputs, then the same scores for each output. The `ig` column is the
/// score selections use (mean |c| averaged over outputs, methods.md "IG").
public struct AttributionTable: Sendable {
    /// Column names, `dim` first.
    public let columns: [String]
    /// The dataset dimension of each row.
    public let dimensions: [Int]
    /// `values[row][column - 1]`: every column after `dim`.
    public let values: [[Double]]

    /// Builds the table of `statistics`.
    /// - Parameters:
    ///   - dimensions: the dataset column each model input reads (`statistics.width` of them, e.g. a model's
    ///     selection); nil when input d is dataset dimension d.
    ///   - outputNames: a name per attributed output (e.g. target names), used as column suffixes.
    public init(_ statistics: AttributionStatistics, dimensions: [Int]? = nil, outputNames: [String]) throws {
        let width = statistics.width
        let dims = dimensions ?? Array(0..<width)
        guard dims.count == width else {
            throw AttributionError.shapeMismatch(expected: "D=\(width)", actual: "\(dims.count) dimension indices")
        }
        guard outputNames.count == statistics.outputs.count else {
            throw AttributionError.shapeMismatch(
                expected: "outputs=\(statistics.outputs)", actual: "\(outputNames.count) output names")
        }
        var columns = ["dim", "ig", "ig.std", "ig.signed", "ig.frame"]
        var series = [
            statistics.meanAbsolute, statistics.standardDeviation, statistics.signedMean,
            statistics.frameMeanAbsolute,
        ]
        for (k, name) in outputNames.enumerated() {
            columns += ["ig.\(name)", "ig.std.\(name)", "ig.signed.\(name)", "ig.frame.\(name)"]
            series += [
                statistics.meanAbsolute(output: k), statistics.standardDeviation(output: k),
                statistics.signedMean(output: k), statistics.frameMeanAbsolute(output: k),
            ]
        }
        self.columns = columns
        self.dimensions = dims
        values = (0..<width).map { d in series.map { $0[d] } }
    }

    /// Comma-separated values with a header line; numbers in Swift's shortest round-tripping form.
    public var csv: String {
        var text = columns.joined(separator: ",") + "\n"
        for (row, dimension) in dimensions.enumerated() {
            text += ([String(dimension)] + values[row].map { "\($0)" }).joined(separator: ",") + "\n"
        }
        return text
    }
}
