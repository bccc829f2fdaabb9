import XCTest

@testable import Shards

/// The duplicate checks' id table against `Dictionary<String, Int>` (Swift's own string equality and
/// hashing): the same first-seen values, the same duplicates and the same misses, on ids of every length
/// around the 8-byte words it hashes, the empty id, repeats, growth far past the sized capacity, and ids
/// that are equal only under canonical equivalence.
final class IdentifierTableTests: XCTestCase {
    func testTheTableAgreesWithADictionary() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcXYZ019-_/.")
        var ids: [String] = ["", "a", "utt-0001", "utt-00001", "spk01/utt-0001.wav"]
        for length in 0..<40 {
            for _ in 0..<60 {
                ids.append(
                    String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }))
            }
        }
        ids += ids.shuffled(using: &generator).prefix(300)  // repeats
        ids.shuffle(using: &generator)
        for capacity in [0, ids.count] {
            var table = IdentifierTable<Int>(capacity: capacity)
            var reference: [String: Int] = [:]
            for (index, id) in ids.enumerated() {
                let earlier = table.insert(id, index)
                XCTAssertEqual(earlier, reference[id], "\"\(id)\" at \(index)")
                if reference[id] == nil { reference[id] = index }
            }
            XCTAssertEqual(table.count, reference.count)
            for id in ids { XCTAssertEqual(table.value(for: id), reference[id], "\"\(id)\"") }
            for id in ["missing", "utt-0001x", "a\u{0}"] where reference[id] == nil {
                XCTAssertNil(table.value(for: id), "\"\(id)\"")
            }
        }
    }

    func testIdsEqualUnderCanonicalEquivalenceAreOneId() {
        // Precomposed and decomposed accents, and the Kelvin sign, whose canonical form is the ASCII "K".
        let pairs = [
            ("caf\u{E9}-01", "cafe\u{301}-01"), ("\u{212A}elvin", "Kelvin"),
            ("\u{C5}ngstr\u{F6}m", "A\u{30A}ngstro\u{308}m"),
        ]
        for (first, second) in pairs {
            XCTAssertEqual(first, second, "Swift's equality, the reference")
            var table = IdentifierTable<Int>(capacity: 2)
            XCTAssertNil(table.insert(first, 0))
            XCTAssertEqual(table.insert(second, 1), 0, "\"\(second)\" duplicates \"\(first)\"")
            XCTAssertEqual(table.value(for: second), 0)
        }
        var table = IdentifierTable<Int>(capacity: 2)
        XCTAssertNil(table.insert("caf\u{E9}", 0))
        XCTAssertNil(table.insert("cafe", 1), "a different id")
    }
}
