/// Why a late fusion cannot run, naming the member, field or utterance at fault.
public enum FusionError: Error, CustomStringConvertible, Equatable {
    /// A predictions file cannot be read as `salience predict` writes it.
    case badPredictions(source: String, line: Int, reason: String)
    /// Fewer than two members.
    case tooFewMembers(Int)
    /// Two members (or a member and the labels' dataset) predict different targets.
    case targetsDiffer(first: String, firstTargets: [String], second: String, secondTargets: [String])
    /// The utterance `key` is in `present` and not in `absent`: the sets, splits or conditions differ.
    case utteranceMissing(key: String, present: String, absent: String)
    /// The learned combination needs dev utterances with labels.
    case noDevSplit(dataset: String)

    /// One sentence.
    public var description: String {
        switch self {
        case .badPredictions(let source, let line, let reason):
            return "\(source), line \(line): \(reason)"
        case .tooFewMembers(let count):
            return "fusion needs at least two members, found \(count)"
        case .targetsDiffer(let first, let a, let second, let b):
            return "targets differ: \(first) has \(a.joined(separator: ", ")) and \(second) has "
                + "\(b.joined(separator: ", ")); fuse predictions of the same targets"
        case .utteranceMissing(let key, let present, let absent):
            return "\(key) is in \(present) but not in \(absent): members must predict the same utterances, "
                + "splits and conditions (predict each with `salience predict` on the whole dataset)"
        case .noDevSplit(let dataset):
            return "\(dataset) has no clean dev utterances to fit the fusion weights on"
        }
    }
}
