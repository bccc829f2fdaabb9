/// How every block-wise reader and copier cuts utterances: consecutive runs of whole utterances of at most
/// `rowsPerBlock` frames together (an utterance longer than that is a block of its own), so a block never
/// splits an utterance and memory holds about `rowsPerBlock` frames at a time.
public enum UtteranceBlocks {
    /// The blocks of the utterances whose frames `offsets` (N + 1 row offsets, utterance `i` owning rows
    /// `offsets[i] ..< offsets[i + 1]`) delimit, as ranges of utterance indices covering `0 ..< N` in order.
    public static func ranges(offsets: [Int], rowsPerBlock: Int) -> [Range<Int>] {
        let count = max(offsets.count - 1, 0)
        var blocks: [Range<Int>] = []
        var first = 0
        while first < count {
            var last = first + 1
            while last < count && offsets[last + 1] - offsets[first] <= rowsPerBlock { last += 1 }
            blocks.append(first..<last)
            first = last
        }
        return blocks
    }
}
