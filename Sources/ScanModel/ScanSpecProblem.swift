/// One thing wrong with a scan spec: the field (a dotted path with indices, `selection.methods[2]`) and why.
public struct ScanSpecProblem: Equatable, Sendable, CustomStringConvertible {
    /// The field's path in the spec, e.g. `training.epochs` or `selection.methods[2]`.
    public var field: String
    /// What is wrong and, where it helps, what would be right.
    public var message: String

    /// Creates a problem for `field`.
    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    /// `field: message`.
    public var description: String { "\(field): \(message)" }
}

/// Why a scan spec was refused.
public enum ScanSpecError: Error, Equatable, CustomStringConvertible {
    /// The file is not valid TOML (toml++'s message, with line and column).
    case syntax(source: String, message: String, line: Int, column: Int)
    /// The spec parsed but has these problems (all of them, not just the first).
    case invalid(source: String, problems: [ScanSpecProblem])
    /// The spec file could not be read.
    case unreadable(path: String, reason: String)

    /// The problems, one per line, each naming its field.
    public var description: String {
        switch self {
        case .syntax(let source, let message, let line, let column):
            return "\(source):\(line):\(column): not valid TOML: \(message)"
        case .invalid(let source, let problems):
            let noun = problems.count == 1 ? "problem" : "problems"
            return "\(source): \(problems.count) \(noun) in the scan spec:\n"
                + problems.map { "  \($0)" }.joined(separator: "\n")
        case .unreadable(let path, let reason):
            return "cannot read the scan spec \(path): \(reason)"
        }
    }

    /// The problems of an `.invalid` spec (empty for the other cases).
    public var problems: [ScanSpecProblem] {
        if case .invalid(_, let problems) = self { return problems }
        return []
    }
}
