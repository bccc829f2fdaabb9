import ArgumentParser
import Foundation
import Learn
import Saliency
import Scoring
import Shards

/// A failure of what a command was given to work on — a dataset, a file, a model — rather than of how it
/// was called. argument-parser prints a `ValidationError` with the command's usage, which misleads when the
/// options were right and the data was not; this prints `Error: ...` alone and exits 1.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) { self.description = description }
}

extension Split: ExpressibleByArgument {
    /// `train`, `dev` or `test`.
    public init?(argument: String) {
        guard let split = Split.allCases.first(where: { $0.description == argument }) else { return nil }
        self = split
    }

    public var defaultValueDescription: String { description }
    public static var allValueStrings: [String] { allCases.map(\.description) }
}

extension Pooling: ExpressibleByArgument {}
extension ScoreMethod: ExpressibleByArgument {}
