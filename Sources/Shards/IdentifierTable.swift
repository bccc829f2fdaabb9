import Foundation

/// A set of utterance ids, each with a value (where it was first seen), for the duplicate checks of a shard
/// and of a dataset: every id of every shard goes through one, so it is built for speed. `Dictionary<String,
/// _>` hashes each id with a freshly seeded SipHash and spent most of a catalog's check doing so; this table
/// hashes the id's UTF-8 bytes eight at a time with a multiply-and-fold mix and keeps each entry's hash, so
/// a probe compares bytes only when the full 64-bit hashes agree.
///
/// Ids are equal when Swift's `String` says so (canonical equivalence), as everywhere else ids are keys: an
/// id that is not ASCII is keyed by its NFC form (ASCII text is its own), so "é" and "e" + U+0301 are one id.
///
/// Open addressing with linear probing in a power-of-two table at most half full. The hash is seeded per
/// process, so the probe sequences do not repeat from run to run; it is not meant to resist ids crafted to
/// collide, which would only make the check slower, never wrong (equality decides).
struct IdentifierTable<Value> {
    /// Ids, their hashes and values, in insertion order.
    private var keys: [String] = []
    private var hashes: [UInt64] = []
    private var values: [Value] = []
    /// 0 for an empty slot, else 1 + the entry's position.
    private var slots: [Int32]
    private var mask: Int

    /// The process's hash seed (random per run).
    private static var seed: UInt64 { IdentifierSeed.value }

    /// An empty table sized for `capacity` ids (it grows beyond).
    init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
        keys.reserveCapacity(capacity)
        hashes.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    /// The number of ids.
    var count: Int { keys.count }

    /// The value of `id`, or nil when it is not in the table.
    func value(for id: String) -> Value? {
        let id = Self.key(id)
        let hash = Self.hash(id)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { return nil }
            if hashes[entry - 1] == hash && Self.sameBytes(keys[entry - 1], id) { return values[entry - 1] }
            slot = (slot + 1) & mask
        }
    }

    /// Adds `id` with `value`, unless it is already there: then the table is unchanged and the value it
    /// holds for `id` is returned.
    mutating func insert(_ id: String, _ value: Value) -> Value? {
        if 2 * (keys.count + 1) > slots.count { grow() }
        let id = Self.key(id)
        let hash = Self.hash(id)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = Int(slots[slot])
            if entry == 0 { break }
            if hashes[entry - 1] == hash && Self.sameBytes(keys[entry - 1], id) { return values[entry - 1] }
            slot = (slot + 1) & mask
        }
        keys.append(id)
        hashes.append(hash)
        values.append(value)
        slots[slot] = Int32(truncatingIfNeeded: keys.count)
        return nil
    }

    /// Doubles the slots and places every entry again by its kept hash.
    private mutating func grow() {
        slots = [Int32](repeating: 0, count: slots.count * 2)
        mask = slots.count - 1
        for (position, hash) in hashes.enumerated() {
            var slot = Int(truncatingIfNeeded: hash) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = Int32(truncatingIfNeeded: position + 1)
        }
    }

    /// The form of `id` whose bytes the table compares: the id when it is ASCII, else its NFC form.
    static func key(_ id: String) -> String {
        id.utf8.allSatisfy { $0 < 0x80 } ? id : id.precomposedStringWithCanonicalMapping
    }

    /// Whether two keys have the same UTF-8 bytes.
    private static func sameBytes(_ first: String, _ second: String) -> Bool {
        first.utf8.count == second.utf8.count && first.utf8.elementsEqual(second.utf8)
    }

    /// A 64-bit hash of a key's UTF-8 bytes.
    static func hash(_ id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { bytes in
            var state = seed ^ (UInt64(bytes.count) &* 0x9E37_79B9_7F4A_7C15)
            var index = 0
            while index + 8 <= bytes.count {
                let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                state = mix(state ^ word)
                index += 8
            }
            if index < bytes.count {
                var tail: UInt64 = 0
                for (shift, byte) in bytes[index...].enumerated() { tail |= UInt64(byte) << (8 * shift) }
                state = mix(state ^ tail)
            }
            return mix(state)
        }
    }

    /// One multiply-and-fold round (the 128-bit product's halves folded together, as wyhash does).
    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        let product = value.multipliedFullWidth(by: 0xA076_1D64_78BD_642F)
        return product.high ^ product.low
    }
}

/// The hash seed of `IdentifierTable`, drawn once per process.
private enum IdentifierSeed {
    static let value = UInt64.random(in: .min ... .max)
}
