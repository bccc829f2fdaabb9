import Foundation

/// Why a scan task or plan failed.
public enum ScanError: Error, CustomStringConvertible, Equatable {
    /// The dataset fails the format's rules (every problem, each naming its file).
    case invalidDataset(directory: String, problems: [String])
    /// The spec does not fit the dataset (each problem naming its field).
    case specDoesNotFit(problems: [ScanSpecProblem])
    /// A payload is not what its task kind needs.
    case malformedPayload(what: String, reason: String)
    /// A result the planner needs is missing or inconsistent.
    case inconsistentResults(String)
    /// Reading or writing a file failed.
    case io(path: String, reason: String)

    /// What went wrong, naming files and fields.
    public var description: String {
        switch self {
        case .invalidDataset(let directory, let problems):
            return "dataset \(directory) is not valid (\(problems.count) problem(s)): "
                + problems.joined(separator: "; ")
        case .specDoesNotFit(let problems):
            return "the scan spec does not fit the dataset: " + problems.map(\.description).joined(separator: "; ")
        case .malformedPayload(let what, let reason):
            return "malformed \(what): \(reason)"
        case .inconsistentResults(let message):
            return "inconsistent results: \(message)"
        case .io(let path, let reason):
            return "\(path): \(reason)"
        }
    }
}
