extension UtteranceSet {
    /// An empty in-memory set of `width` columns with room for `frames` frames of `utterances` utterances, to
    /// be filled by ``append(_:of:)``: one allocation of the final size, so building a split from its shards
    /// holds the split once, not its parts and their concatenation beside it. With `half`, the frames are kept
    /// as float16 (for frames read from float16 shards, which lose nothing by it).
    public static func reserved(width: Int, targetCount: Int, frames: Int, utterances: Int, half: Bool = false)
        -> UtteranceSet
    {
        var set = UtteranceSet(
            width: width, frames: [], offsets: [0], labels: [], spreads: nil, ids: [], targetCount: targetCount)
        if half {
            set.halfFrames = []
            set.halfFrames!.reserveCapacity(frames * width)
        } else {
            set.frames.reserveCapacity(frames * width)
        }
        set.offsets.reserveCapacity(utterances + 1)
        set.labels.reserveCapacity(utterances * targetCount)
        set.ids.reserveCapacity(utterances)
        return set
    }

    /// Appends the utterances at `indices` of the in-memory set `other`, in that order: what
    /// `concatenate([self, other.subset(indices)])` gives (spreads kept only while every part has them, ratings
    /// only while every part has them from the same number of raters), without the copies. Into a float16 set,
    /// `other`'s float32 frames are narrowed (exact when they were read from float16 shards, the only use).
    public mutating func append(_ indices: [Int], of other: UtteranceSet) {
        precondition(store == nil && other.store == nil, "UtteranceSet.append: in-memory sets only")
        precondition(
            other.halfFrames == nil && other.frameStarts == nil, "UtteranceSet.append: from whole float32 sets only")
        precondition(frameStarts == nil, "UtteranceSet.append: not into a view")
        precondition(other.width == width && other.targetCount == targetCount, "UtteranceSet.append: other shape")
        if count == 0 && labels.isEmpty {
            // The first part decides which optional fields the set carries.
            spreads = other.spreads == nil ? nil : []
            ratings = other.ratings == nil ? nil : []
            raterCount = other.raterCount
        }
        if other.spreads == nil { spreads = nil }
        if other.ratings == nil || other.raterCount != raterCount {
            ratings = nil
            raterCount = 0
        }
        let stride = other.ratingStride
        for i in indices {
            let rows = (other.offsets[i] * width)..<(other.offsets[i + 1] * width)
            if halfFrames != nil {
                other.frames.withUnsafeBufferPointer { source in
                    halfFrames!.append(contentsOf: source[rows].lazy.map { Float16($0) })
                }
            } else {
                frames.append(contentsOf: other.frames[rows])
            }
            offsets.append(offsets[offsets.count - 1] + other.length(i))
            labels.append(contentsOf: other.labels[(i * targetCount)..<((i + 1) * targetCount)])
            if spreads != nil, let s = other.spreads {
                spreads!.append(contentsOf: s[(i * targetCount)..<((i + 1) * targetCount)])
            }
            if ratings != nil, let r = other.ratings {
                ratings!.append(contentsOf: r[(i * stride)..<((i + 1) * stride)])
            }
            ids.append(other.ids[i])
        }
    }
}
