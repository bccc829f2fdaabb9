import Foundation

/// A heap buffer of scalars with a stable address, for a layer's per-batch caches: the GRU's gates and
/// states are written and read through raw pointers step by step, which Swift arrays would only allow
/// inside a pyramid of `withUnsafe…` closures.
final class ScalarBuffer<S: BLASScalar> {
    /// The first element.
    private(set) var pointer: UnsafeMutablePointer<S>
    /// The number of elements.
    private(set) var count: Int
    private var capacity: Int

    /// A zeroed buffer of `count` elements.
    init(count: Int = 0) {
        capacity = max(count, 1)
        pointer = .allocate(capacity: capacity)
        self.count = count
        S.zero(pointer, count: capacity)
    }

    deinit { pointer.deallocate() }

    /// Makes the buffer `count` elements long and zeroes it (reallocating only when it must grow).
    func reset(count: Int) {
        if count > capacity {
            pointer.deallocate()
            capacity = count
            pointer = .allocate(capacity: capacity)
        }
        self.count = count
        S.zero(pointer, count: count)
    }

    /// The element at `offset` onwards.
    subscript(offset offset: Int) -> UnsafeMutablePointer<S> { pointer + offset }

    /// The contents as an array.
    var array: [S] { Array(UnsafeBufferPointer(start: pointer, count: count)) }
}
