import Foundation
import Saliency

/// Merges unit results in unit order, joining the pieces of cut utterances, and keeps the error of the
/// earliest unit that failed.
final class UnitMerger<Result>: @unchecked Sendable {
    private let lock = NSLock()
    private let cutter: UnitPooling
    private let compute: (Observations) throws -> Result
    private let merge: (Result) throws -> Void
    private let merged: (Int) -> Void
    private var pending: [Int: UnitYield<Result>] = [:]
    private var next = 0
    private var carried: UtterancePiece?
    private var failure: (sequence: Int, error: Error)?

    init(
        cutter: UnitPooling, compute: @escaping (Observations) throws -> Result,
        merge: @escaping (Result) throws -> Void, merged: @escaping (Int) -> Void
    ) {
        self.cutter = cutter
        self.compute = compute
        self.merge = merge
        self.merged = merged
    }

    /// The sequence of the earliest unit known to have failed.
    var failedSequence: Int? { lock.withLock { failure?.sequence } }
    /// Its error.
    var error: Error? { lock.withLock { failure?.error } }

    /// Holds a unit's result until every earlier unit is merged, then merges all that are ready; a failure
    /// is kept if it is the earliest so far, and no unit after it is merged.
    func submit(_ sequence: Int, _ result: Swift.Result<UnitYield<Result>, Error>) {
        var mergedThrough: Int?
        lock.withLock {
            switch result {
            case .success(let yield): pending[sequence] = yield
            case .failure(let error): record(sequence, error)
            }
            while next < failure?.sequence ?? Int.max, let ready = pending.removeValue(forKey: next) {
                do {
                    try absorb(ready)
                } catch {
                    record(next, error)
                    break
                }
                mergedThrough = next
                next += 1
            }
        }
        if let mergedThrough { merged(mergedThrough) }
    }

    /// After the last unit: no utterance may be left half merged (its rows would be lost silently).
    func finish() throws {
        if let piece = lock.withLock({ carried }) {
            throw SaliencyError.invalidParameter(
                "scores pass: utterance \(piece.utterance) ended at frame \(piece.rows.upperBound) without its last "
                    + "piece (an internal error; please report it)")
        }
    }

    private func record(_ sequence: Int, _ error: Error) {
        if failure.map({ sequence < $0.sequence }) ?? true { failure = (sequence, error) }
    }

    private func absorb(_ yield: UnitYield<Result>) throws {
        if let leading = yield.leading {
            if let piece = carried, piece.isContinued(by: leading) {
                carried!.rows = piece.rows.lowerBound..<leading.rows.upperBound
                carried!.frames.append(contentsOf: leading.frames)
                carried!.ends = leading.ends
            } else if carried == nil && leading.begins {
                carried = leading
            } else {
                throw SaliencyError.invalidParameter(
                    "scores pass: frames \(leading.rows) of utterance \(leading.utterance) do not follow the piece "
                        + "merged before them (an internal error; please report it)")
            }
            if let piece = carried, piece.ends {
                carried = nil
                try merge(compute(cutter.pool(piece)))
            }
        }
        if let inner = yield.inner { try merge(inner) }
        if let trailing = yield.trailing { carried = trailing }
    }
}
