import Foundation
import Saliency
import Scoring

/// The files `salience scores` writes: the per-dimension CSV and PCA's pca.csv.
enum ScoresOutput {
    /// `dim`, then per method `<method>` (mean over targets) and `<method>.<target>`; one row per dimension.
    /// Numbers are written in Swift's shortest round-trip form.
    static func writeScores(_ result: ScoresResult, to url: URL) throws {
        var header = ["dim"]
        for scores in result.scores {
            header.append(scores.method)
            header += result.targets.map { "\(scores.method).\($0)" }
        }
        var lines = [header.joined(separator: ",")]
        let means = result.scores.map(\.mean)
        for dimension in 0..<result.dimension {
            var row = ["\(dimension)"]
            for (index, scores) in result.scores.enumerated() {
                row.append(number(means[index][dimension]))
                row += scores.perTarget.map { number($0[dimension]) }
            }
            lines.append(row.joined(separator: ","))
        }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    /// `component,eigenvalue,explained_ratio,cumulative`, components numbered from 0.
    static func writePCA(_ pca: PrincipalComponents, csv url: URL) throws {
        var lines = ["component,eigenvalue,explained_ratio,cumulative"]
        let ratio = pca.explainedRatio
        let cumulative = pca.cumulativeRatio
        for component in pca.eigenvalues.indices {
            lines.append(
                "\(component),\(number(pca.eigenvalues[component])),\(number(ratio[component])),"
                    + number(cumulative[component]))
        }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    static func number(_ value: Double) -> String { "\(value)" }
}
