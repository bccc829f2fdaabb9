import Foundation

extension IntegratedGradients {
    /// Attributes `utterances` with several copies of one model, each on its own thread: the utterances are
    /// cut into one contiguous group per replica, balanced by frame count, and the results are returned in
    /// the utterances' order. Equal to `attribute(_:model:outputs:)` with any one replica, value for value.
    ///
    /// Replicas must be independent instances (models keep per-call state); a model's own BLAS threads come
    /// on top, so on a small machine give BLAS one thread per replica.
    public func attribute<Model: AttributableModel>(
        _ utterances: [[Float]], replicas: [Model], outputs: [Int]? = nil, keepingFrames: Bool = true
    ) throws -> [UtteranceAttribution] {
        guard replicas.count > 1, utterances.count > 1 else {
            guard let model = replicas.first else { return [] }
            return try attribute(utterances, model: model, outputs: outputs, keepingFrames: keepingFrames)
        }
        let groups = Self.contiguousGroups(utterances.map(\.count), count: min(replicas.count, utterances.count))
        let results = ResultSlots(count: groups.count)
        DispatchQueue.concurrentPerform(iterations: groups.count) { g in
            do {
                results.set(
                    g,
                    .success(
                        try attribute(
                            Array(utterances[groups[g]]), model: replicas[g], outputs: outputs,
                            keepingFrames: keepingFrames)))
            } catch {
                results.set(g, .failure(error))
            }
        }
        var all: [UtteranceAttribution] = []
        all.reserveCapacity(utterances.count)
        for g in groups.indices { all += try results.get(g) }
        return all
    }

    /// Cuts `sizes.indices` into `count` non-empty contiguous ranges of about equal total size.
    static func contiguousGroups(_ sizes: [Int], count: Int) -> [Range<Int>] {
        let total = sizes.reduce(0, +)
        var groups: [Range<Int>] = []
        var start = 0
        var accumulated = 0
        for (index, size) in sizes.enumerated() {
            accumulated += size
            let remainingGroups = count - groups.count - 1
            let remainingItems = sizes.count - index - 1
            let due = accumulated * count >= total * (groups.count + 1)
            if remainingGroups > 0 && (due || remainingItems == remainingGroups) && remainingItems >= remainingGroups {
                groups.append(start..<index + 1)
                start = index + 1
            }
        }
        groups.append(start..<sizes.count)
        return groups
    }
}

/// One result slot per thread, written once each under a lock.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [Result<[UtteranceAttribution], Error>?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<[UtteranceAttribution], Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    func get(_ index: Int) throws -> [UtteranceAttribution] {
        lock.lock()
        defer { lock.unlock() }
        guard let result = slots[index] else { return [] }
        return try result.get()
    }
}
