import Foundation

/// How Salience's JSON spells the floats JSON has no number for: `"NaN"`, `"Infinity"`, `"-Infinity"` —
/// the tokens Python's `json` and JavaScript print, and which `float(...)` and pandas read back. One
/// spelling for every file and message Salience writes, so a reader needs one rule.
public enum NonFiniteJSON {
    /// For a `JSONEncoder`.
    public static let encoding = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    /// For a `JSONDecoder`.
    public static let decoding = JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
}
