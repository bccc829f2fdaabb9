/// FIFO of task ids for one kind. Entries whose task was since leased or finished are skipped lazily.
struct TaskQueue {
    private var items: [Int64] = []
    private var head = 0
    /// Retried tasks go first.
    private var retries: [Int64] = []

    /// How far past the head `popFirst(preferring:)` looks for a better task: far enough to find a worker's
    /// own data among a grid's interleaved datasets, short enough that dispatch stays O(1) per task.
    static let preferenceWindow = 64

    var isEmpty: Bool { head == items.count && retries.isEmpty }

    mutating func append(_ id: Int64) { items.append(id) }

    mutating func pushFront(_ id: Int64) { retries.append(id) }

    /// The task `popFirst` would hand out next, after dropping entries that are no longer `live` from the
    /// head (they would be skipped anyway); nil when nothing live is queued.
    mutating func peekFirst(live: (Int64) -> Bool) -> Int64? {
        while let id = retries.last, !live(id) { retries.removeLast() }
        if let id = retries.last { return id }
        while head < items.count, !live(items[head]) { head += 1 }
        return head < items.count ? items[head] : nil
    }

    mutating func popFirst() -> Int64? {
        if let id = retries.popLast() { return id }
        guard head < items.count else { return nil }
        let id = items[head]
        head += 1
        if head > 4096 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return id
    }

    /// Like `popFirst`, but among the next `preferenceWindow` entries takes the first with the highest
    /// `score` (retries still go first, and `best` ends the search early). The entries it skips keep their
    /// order at the front: order is a preference, not a promise, and nothing is starved (a worker always
    /// gets a task when there is one).
    mutating func popFirst(preferring score: (Int64) -> Int, best: Int) -> Int64? {
        if !retries.isEmpty { return popFirst() }
        guard head < items.count else { return nil }
        var chosen = head
        var chosenScore = score(items[head])
        var index = head + 1
        let end = min(items.count, head + Self.preferenceWindow)
        while chosenScore < best, index < end {
            let candidate = score(items[index])
            if candidate > chosenScore {
                chosen = index
                chosenScore = candidate
            }
            index += 1
        }
        if chosen != head {
            // Rotate the chosen entry to the head: the skipped ones keep their order, one place back.
            let value = items[chosen]
            var index = chosen
            while index > head {
                items[index] = items[index - 1]
                index -= 1
            }
            items[head] = value
        }
        return popFirst()
    }
}
