import Foundation
import Learn
import XCTest

/// A view (``UtteranceSet/view(_:)``) shares its parent's frames, float32 or float16, instead of copying them;
/// everything read through it must be what the copying ``UtteranceSet/subset(_:)`` gives.
final class UtteranceSetViewTests: XCTestCase {
    /// 7 utterances of 1-5 frames, width 11 (an eight-wide widening step and a tail), values exact in float16.
    func parent(half: Bool) -> UtteranceSet {
        let lengths = [3, 1, 5, 2, 4, 1, 3]
        var offsets = [0]
        for length in lengths { offsets.append(offsets.last! + length) }
        let width = 11
        let frames = (0..<(offsets.last! * width)).map { Float(($0 * 37) % 512) / 8 - 32 }
        var set = UtteranceSet(
            width: width, frames: frames, offsets: offsets, labels: (0..<14).map(Float.init),
            spreads: (0..<14).map { Float($0) / 10 }, ids: (0..<7).map { "u\($0)" }, targetCount: 2)
        if half {
            var held = UtteranceSet.reserved(
                width: width, targetCount: 2, frames: offsets.last!, utterances: 7, half: true)
            held.append(Array(0..<7), of: set)
            XCTAssertEqual(held.frames, [])
            set = held
        }
        return set
    }

    func blocks(_ set: UtteranceSet) -> [Float] {
        var out: [Float] = []
        set.forEachFrameBlock(rowsPerBlock: 4) { out.append(contentsOf: $0) }
        return out
    }

    func testAViewReadsWhatACopyReads() {
        for half in [false, true] {
            let whole = parent(half: half)
            let indices = [5, 0, 4, 4, 2]
            let copy = parent(half: false).subset(indices)
            let view = whole.view(indices)
            XCTAssertEqual(view.count, 5)
            XCTAssertEqual(view.offsets, copy.offsets)
            XCTAssertEqual(view.labels, copy.labels)
            XCTAssertEqual(view.spreads, copy.spreads)
            XCTAssertEqual(view.ids, copy.ids)
            let order = [3, 1, 4, 0, 2]
            XCTAssertEqual(view.batch(order).frames, copy.batch(order).frames, "half \(half)")
            XCTAssertEqual(blocks(view), copy.frames, "half \(half)")
            // A view of a view, and a copy of a view.
            XCTAssertEqual(view.view([4, 1]).batch([0, 1]).frames, copy.subset([4, 1]).batch([0, 1]).frames)
            XCTAssertEqual(blocks(view.subset([2, 3])), copy.subset([2, 3]).frames)
            // Mapping gathers the view's frames (here: doubling them) into a whole set of its own.
            let mapped = try? view.mappingFrames(toWidth: 11, storeIn: nil) { frames, _ in frames.map { $0 * 2 } }
            XCTAssertEqual(mapped?.frames, copy.frames.map { $0 * 2 })
            XCTAssertNil(mapped?.frameStarts)
        }
    }

    func testRestrictingByIdSharesTheFrames() {
        let whole = parent(half: false)
        let restricted = whole.restricted(to: ["u6", "u1", "u3"])
        XCTAssertEqual(restricted.ids, ["u1", "u3", "u6"], "kept in the set's order")
        XCTAssertNotNil(restricted.frameStarts, "a view, not a copy")
        XCTAssertEqual(blocks(restricted), whole.subset([1, 3, 6]).frames)
    }
}
