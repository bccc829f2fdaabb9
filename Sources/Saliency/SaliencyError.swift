/// Errors raised by the statistics and scores when their input cannot give a defined answer.
public enum SaliencyError: Error, Equatable, CustomStringConvertible {
    /// Two partials (or a partial and a batch) disagree on their shape; `what` names the disagreeing part.
    case shapeMismatch(what: String, expected: String, found: String)
    /// A score needs at least `required` observations (utterances or frames) and got `found`.
    case tooFewObservations(required: Int, found: Int, statistic: String)
    /// An input value is not finite (NaN or infinity) at a given row and column.
    case nonFiniteValue(what: String, row: Int, column: Int)
    /// A parameter is out of its domain (bins < 1, ratio outside (0, 1], k larger than D, ...).
    case invalidParameter(String)
    /// LAPACK reported a failure (its `info` code) for the named routine.
    case lapackFailure(routine: String, info: Int)

    public var description: String {
        switch self {
        case .shapeMismatch(let what, let expected, let found):
            return "shape mismatch in \(what): expected \(expected), found \(found)"
        case .tooFewObservations(let required, let found, let statistic):
            return "\(statistic) needs at least \(required) observations, got \(found)"
        case .nonFiniteValue(let what, let row, let column):
            return "non-finite value in \(what) at row \(row), column \(column)"
        case .invalidParameter(let message):
            return "invalid parameter: \(message)"
        case .lapackFailure(let routine, let info):
            return "LAPACK \(routine) failed with info = \(info)"
        }
    }
}
