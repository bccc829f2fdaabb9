import Foundation

/// What `salience attribute` stores beside its CSV: the settings and the completeness check.
struct AttributionSummary: Codable {
    /// One output's completeness.
    struct OutputCompleteness: Codable {
        var output: String
        var meanAbsoluteDelta: Double
        var maxAbsoluteDelta: Double
    }

    var model: String
    var dataset: String
    var split: String
    var steps: Int
    var method: String
    var baseline: String
    var utterances: Int
    var outputs: [String]
    var meanAbsoluteCompletenessDelta: Double
    var perOutput: [OutputCompleteness]
    /// Wall time of the whole command.
    var seconds: Double
    /// Wall time spent inside Integrated Gradients (reading shards and models excluded).
    var attributionSeconds: Double

    func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(self).write(to: url)
    }
}
