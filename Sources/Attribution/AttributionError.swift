/// What can go wrong while attributing, each case naming what and where.
public enum AttributionError: Error, Equatable, CustomStringConvertible {
    /// The step count is too small for the integration rule.
    case invalidSteps(Int, method: IntegrationMethod)
    /// The baseline vector's length is not the model's input width.
    case baselineWidth(expected: Int, actual: Int)
    /// An utterance's frames are not a whole number of rows of the model's input width, or it is empty.
    case utteranceShape(index: Int, floats: Int, width: Int)
    /// An output index outside the model's outputs.
    case outputOutOfRange(Int, outputCount: Int)
    /// The model answered with an array of the wrong size.
    case modelAnswerSize(what: String, expected: Int, actual: Int)
    /// Statistics of different shapes cannot be merged.
    case shapeMismatch(expected: String, actual: String)

    /// One sentence naming what went wrong.
    public var description: String {
        switch self {
        case .invalidSteps(let steps, let method):
            return "integration steps \(steps) too small for \(method.rawValue) (needs at least "
                + "\(method == .riemannRight ? 2 : 1))"
        case .baselineWidth(let expected, let actual):
            return "baseline has \(actual) values but the model's input width is \(expected)"
        case .utteranceShape(let index, let floats, let width):
            return "utterance \(index): \(floats) floats are not a non-empty whole number of \(width)-wide frames"
        case .outputOutOfRange(let output, let count):
            return "output \(output) out of range: the model has \(count) outputs"
        case .modelAnswerSize(let what, let expected, let actual):
            return "model returned \(actual) values for \(what), expected \(expected)"
        case .shapeMismatch(let expected, let actual):
            return "attribution statistics of shape \(actual) cannot merge into shape \(expected)"
        }
    }
}
