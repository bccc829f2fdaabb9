import Attribution
import Foundation
import Numerics
import XCTest

final class AttributionStatisticsTests: XCTestCase {
    /// Attributions of a sigmoid model for `count` random utterances (two outputs, width 5).
    func sampleAttributions(count: Int, seed: UInt64) throws -> [UtteranceAttribution] {
        var generator = SplitMix64(state: seed)
        let width = 5
        let weights = (0..<2).map { _ in (0..<width).map { _ in Double.random(in: -2...2, using: &generator) } }
        let model = SigmoidModel(weights: weights, bias: [0.1, -0.3])
        let utterances = randomUtterances(count: count, width: width, lengths: 1...5, generator: &generator)
        return try IntegratedGradients(steps: 8).attribute(utterances, model: model)
    }

    func testStatisticsEqualDirectComputation() throws {
        let attributions = try sampleAttributions(count: 23, seed: 10)
        var statistics = AttributionStatistics(width: 5, outputs: [0, 1])
        try statistics.add(contentsOf: attributions)
        XCTAssertEqual(statistics.count, 23)
        let n = Double(attributions.count)
        for k in 0..<2 {
            for d in 0..<5 {
                // Two-pass formulas straight from the frame-wise attributions.
                let c = attributions.map { u in
                    (0..<u.length).map { Double(u.frameAttributions[k][$0 * 5 + d]) }.reduce(0, +)
                }
                let meanAbs = c.map(abs).reduce(0, +) / n
                let std = (c.map { (abs($0) - meanAbs) * (abs($0) - meanAbs) }.reduce(0, +) / n).squareRoot()
                let frame =
                    attributions.map { u in
                        (0..<u.length).map { abs(Double(u.frameAttributions[k][$0 * 5 + d])) }.reduce(0, +)
                            / Double(u.length)
                    }.reduce(0, +) / n
                XCTAssertEqual(statistics.meanAbsolute(output: k)[d], meanAbs, accuracy: 1e-12)
                XCTAssertEqual(statistics.standardDeviation(output: k)[d], std, accuracy: 1e-12)
                XCTAssertEqual(statistics.signedMean(output: k)[d], c.reduce(0, +) / n, accuracy: 1e-12)
                XCTAssertEqual(statistics.frameMeanAbsolute(output: k)[d], frame, accuracy: 1e-12)
            }
            let deltas = attributions.map { u in
                u.frameAttributions[k].map(Double.init).reduce(0, +)
                    - Double(u.outputAtInput[k] - u.outputAtBaseline[k])
            }
            XCTAssertEqual(statistics.meanAbsoluteDelta(output: k), deltas.map(abs).reduce(0, +) / n, accuracy: 1e-9)
            XCTAssertEqual(statistics.maxAbsoluteDelta(output: k), deltas.map(abs).max() ?? 0, accuracy: 1e-9)
            XCTAssertGreaterThan(statistics.meanAbsoluteDelta(output: k), 0, "8 Riemann steps are not exact")
        }
        for d in 0..<5 {
            let average = (statistics.meanAbsolute(output: 0)[d] + statistics.meanAbsolute(output: 1)[d]) / 2
            XCTAssertEqual(statistics.meanAbsolute[d], average, accuracy: 1e-15)
        }
    }

    func testMergingRandomPiecesEqualsSinglePass() throws {
        let attributions = try sampleAttributions(count: 40, seed: 11)
        var single = AttributionStatistics(width: 5, outputs: [0, 1])
        try single.add(contentsOf: attributions)
        var generator = SplitMix64(state: 12)
        for _ in 0..<5 {
            // Random cut points, pieces merged in a random order, some pieces empty.
            var cuts = (0..<6).map { _ in Int.random(in: 0...attributions.count, using: &generator) }
            cuts = ([0] + cuts + [attributions.count]).sorted()
            var pieces: [AttributionStatistics] = []
            for (start, end) in zip(cuts, cuts.dropFirst()) {
                var piece = AttributionStatistics(width: 5, outputs: [0, 1])
                try piece.add(contentsOf: Array(attributions[start..<end]))
                pieces.append(piece)
            }
            pieces.shuffle(using: &generator)
            var merged = AttributionStatistics(width: 5, outputs: [0, 1])
            for piece in pieces { try merged.merge(piece) }
            XCTAssertEqual(merged.count, single.count)
            for k in 0..<2 {
                assertClose(merged.meanAbsolute(output: k), single.meanAbsolute(output: k))
                assertClose(merged.standardDeviation(output: k), single.standardDeviation(output: k))
                assertClose(merged.signedMean(output: k), single.signedMean(output: k))
                assertClose(merged.frameMeanAbsolute(output: k), single.frameMeanAbsolute(output: k))
                XCTAssertEqual(
                    merged.meanAbsoluteDelta(output: k), single.meanAbsoluteDelta(output: k), accuracy: 1e-12)
                XCTAssertEqual(merged.maxAbsoluteDelta(output: k), single.maxAbsoluteDelta(output: k))
            }
        }
    }

    func testEmptyStatisticsAreTheMergeIdentity() throws {
        var statistics = AttributionStatistics(width: 5, outputs: [0, 1])
        try statistics.add(contentsOf: try sampleAttributions(count: 3, seed: 13))
        let empty = AttributionStatistics(width: 5, outputs: [0, 1])
        XCTAssertEqual(try statistics.merged(with: empty), statistics)
        XCTAssertEqual(try empty.merged(with: statistics), statistics)
        XCTAssertEqual(empty.meanAbsolute, [0, 0, 0, 0, 0])
        XCTAssertEqual(empty.meanAbsoluteDelta, 0)
    }

    func testMergingDifferentShapesThrows() throws {
        var statistics = AttributionStatistics(width: 5, outputs: [0, 1])
        XCTAssertThrowsError(try statistics.merge(AttributionStatistics(width: 4, outputs: [0, 1])))
        XCTAssertThrowsError(try statistics.merge(AttributionStatistics(width: 5, outputs: [0])))
        XCTAssertThrowsError(try statistics.add(try sampleAttributions(count: 1, seed: 14)[0].dropOutput()))
    }

    func testBytesRoundTripLosslessly() throws {
        var statistics = AttributionStatistics(width: 5, outputs: [0, 1])
        try statistics.add(contentsOf: try sampleAttributions(count: 9, seed: 15))
        let decoded = try AttributionStatistics(bytes: statistics.bytes)
        XCTAssertEqual(decoded, statistics)
        XCTAssertEqual(decoded.bytes, statistics.bytes)
        let empty = AttributionStatistics(width: 3, outputs: [2])
        XCTAssertEqual(try AttributionStatistics(bytes: empty.bytes), empty)
    }

    func testGarbageBytesThrowTypedErrors() throws {
        var statistics = AttributionStatistics(width: 5, outputs: [0, 1])
        try statistics.add(contentsOf: try sampleAttributions(count: 2, seed: 16))
        let bytes = statistics.bytes
        func decodingError(_ bytes: [UInt8]) -> AttributionStatisticsDecodingError? {
            do {
                _ = try AttributionStatistics(bytes: bytes)
                return nil
            } catch { return error as? AttributionStatisticsDecodingError }
        }
        let payload = UInt64(bytes.count - 16)
        XCTAssertEqual(decodingError([]), .truncated(needed: 16, available: 0, at: 0))
        XCTAssertEqual(decodingError(Array(bytes.prefix(30))), .lengthMismatch(declared: payload, actual: 14))
        XCTAssertEqual(decodingError(bytes + [0]), .lengthMismatch(declared: payload, actual: Int(payload) + 1))
        var badMagic = bytes
        badMagic[0] = UInt8(ascii: "X")
        XCTAssertEqual(decodingError(badMagic), .badMagic)
        var badVersion = bytes
        badVersion[4] = 9
        XCTAssertEqual(decodingError(badVersion), .unsupportedVersion(9))
        var otherKind = bytes
        otherKind[6] = 1
        XCTAssertEqual(decodingError(otherKind), .wrongKind(expected: 256, found: 257))
        var trailing = bytes + [UInt8](repeating: 0, count: 8)
        trailing[8] = UInt8(truncatingIfNeeded: payload + 8)
        trailing[9] = UInt8(truncatingIfNeeded: (payload + 8) >> 8)
        XCTAssertEqual(decodingError(trailing), .trailingBytes(8))
        var notANumber = bytes
        let firstDouble = 16 + 8 * 4 + 8 * 2 + 8  // header, D, K, count, outputs (count + 2), array count
        withUnsafeBytes(of: Double.nan.bitPattern.littleEndian) { nan in
            for i in 0..<8 { notANumber[firstDouble + i] = nan[i] }
        }
        XCTAssertEqual(decodingError(notANumber), .invalidField("|c| mean[0] = nan"))
        var negativeWidth = bytes
        for i in 16..<24 { negativeWidth[i] = 0xFF }
        XCTAssertEqual(
            decodingError(negativeWidth), .invalidField("width = -1 outside 0...\(Int32.max)"))
        // Random garbage never traps.
        var generator = SplitMix64(state: 17)
        for _ in 0..<200 {
            var noise = bytes
            for _ in 0..<4 {
                noise[Int.random(in: 0..<noise.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = try? AttributionStatistics(bytes: noise)
            _ = try? AttributionStatistics(
                bytes: Array(noise.prefix(Int.random(in: 0..<noise.count, using: &generator))))
        }
    }

    private func assertClose(_ a: [Double], _ b: [Double], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: 1e-12 * max(1, abs(y)), file: file, line: line) }
    }
}

extension UtteranceAttribution {
    /// The same utterance with its last output left out (a shape the statistics must refuse).
    func dropOutput() -> UtteranceAttribution {
        UtteranceAttribution(
            length: length, width: width, outputs: Array(outputs.dropLast()),
            frameAttributions: Array(frameAttributions.dropLast()), outputAtInput: Array(outputAtInput.dropLast()),
            outputAtBaseline: Array(outputAtBaseline.dropLast()))
    }
}
