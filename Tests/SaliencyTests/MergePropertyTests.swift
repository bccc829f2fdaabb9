import Numerics
import Saliency
import TestSupport
import XCTest

/// Splitting the data into random pieces, computing a partial per piece and merging them in random order
/// must give the single-pass numbers (relative 1e-9), and an empty partial must be the merge identity.
final class MergePropertyTests: XCTestCase {
    static let tolerance = 1e-9

    func testMergeOrderDoesNotChangeMomentsOrCCS() throws {
        var generator = SplitMix64(seed: 42)
        for trial in 0..<5 {
            let data = try TestData.correlated(count: 700, dimensions: 12, targets: 3, seed: UInt64(trial))
            let single = MomentsPartial(data)
            let pieces = TestData.randomPieces(count: data.count, pieces: 2 + trial * 3, generator: &generator)
            var partials = pieces.map { MomentsPartial(data.rows($0)) }
            partials = TestData.shuffled(partials.count, generator: &generator).map { partials[$0] }
            // Merge as a random binary tree, not only left to right, to exercise associativity.
            while partials.count > 1 {
                let a = partials.remove(at: generator.nextInt(below: partials.count))
                let b = partials.remove(at: generator.nextInt(below: partials.count))
                partials.append(try a.merged(with: b))
            }
            let merged = partials[0]
            XCTAssertEqual(merged.count, single.count)
            assertClose(merged.meanX, single.meanX, relative: Self.tolerance, "meanX, trial \(trial)")
            assertClose(merged.meanY, single.meanY, relative: Self.tolerance, "meanY")
            for index in merged.m2X.indices {
                XCTAssertEqual(merged.m2X[index], single.m2X[index], accuracy: Self.tolerance * single.m2X[index])
            }
            let rMerged = try CrossCorrelationSaliency.correlations(merged).r
            let rSingle = try CrossCorrelationSaliency.correlations(single).r
            for target in rMerged.indices {
                assertClose(rMerged[target], rSingle[target], relative: Self.tolerance, "r, target \(target)")
            }
        }
    }

    func testMergeOrderDoesNotChangeCovarianceOrPCA() throws {
        var generator = SplitMix64(seed: 7)
        let data = try TestData.correlated(count: 900, dimensions: 10, targets: 1, seed: 11)
        var single = CovariancePartial(dimensions: 0..<10)
        try single.add(data)
        let pieces = TestData.randomPieces(count: data.count, pieces: 9, generator: &generator)
        var merged = CovariancePartial(dimensions: 0..<10)
        for index in TestData.shuffled(pieces.count, generator: &generator) {
            var piece = CovariancePartial(dimensions: 0..<10)
            try piece.add(data.rows(pieces[index]))
            try merged.merge(piece)
        }
        let scale = single.comoments.map(abs).max() ?? 1
        for index in single.comoments.indices {
            XCTAssertEqual(merged.comoments[index], single.comoments[index], accuracy: Self.tolerance * scale)
        }
        let pcaSingle = try PrincipalComponents(covariance: single)
        let pcaMerged = try PrincipalComponents(covariance: merged)
        let largest = pcaSingle.eigenvalues[0]
        for index in pcaSingle.eigenvalues.indices {
            XCTAssertEqual(
                pcaMerged.eigenvalues[index], pcaSingle.eigenvalues[index], accuracy: Self.tolerance * largest)
        }
        assertClose(pcaMerged.explainedRatio, pcaSingle.explainedRatio, relative: Self.tolerance, "explained ratio")
    }

    func testCovarianceBlocksAssembleToTheWholeMatrix() throws {
        let data = try TestData.correlated(count: 300, dimensions: 9, targets: 1, seed: 3)
        var whole = CovariancePartial(dimensions: 0..<9)
        try whole.add(data)
        let blocks: [Range<Int>] = [0..<4, 4..<7, 7..<9]
        var partials = [CovariancePartial]()
        for (i, rows) in blocks.enumerated() {
            for columns in blocks[i...] {
                // Each block pair is computed from two pieces of the data, merged.
                var first = CovariancePartial(rows: rows, columns: columns)
                try first.add(data.rows(0..<120))
                var second = CovariancePartial(rows: rows, columns: columns)
                try second.add(data.rows(120..<300))
                partials.append(try second.merged(with: first))
            }
        }
        let assembled = try CovariancePartial.assembled(from: partials, dimensions: 0..<9)
        let scale = whole.comoments.map(abs).max() ?? 1
        for index in whole.comoments.indices {
            XCTAssertEqual(assembled.comoments[index], whole.comoments[index], accuracy: Self.tolerance * scale)
        }
        assertClose(assembled.meanRows, whole.meanRows, relative: Self.tolerance, "means")
        XCTAssertThrowsError(try CovariancePartial.assembled(from: Array(partials.dropLast()), dimensions: 0..<9))
    }

    func testRangesAndHistogramsMergeExactly() throws {
        var generator = SplitMix64(seed: 5)
        let data = try TestData.planted(count: 800, dimensions: 12, targets: 2, seed: 9)
        let range = RangePartial(data)
        var mergedRange = RangePartial(dimensions: 0..<12, targetCount: 2)
        let pieces = TestData.randomPieces(count: data.count, pieces: 7, generator: &generator)
        for index in TestData.shuffled(pieces.count, generator: &generator) {
            try mergedRange.merge(RangePartial(data.rows(pieces[index])))
        }
        XCTAssertEqual(mergedRange, range)
        let layout = try HistogramLayout(range: range, bins: 16, binaryTargets: false)
        var single = JointHistogramPartial(layout: layout)
        try single.add(data)
        var merged = JointHistogramPartial(layout: layout)
        for index in TestData.shuffled(pieces.count, generator: &generator) {
            var piece = JointHistogramPartial(layout: layout)
            try piece.add(data.rows(pieces[index]))
            try merged.merge(piece)
        }
        XCTAssertEqual(merged, single)
        XCTAssertEqual(merged.counts.reduce(0, +), data.count * 12 * 2)
        XCTAssertEqual(
            try HistogramMutualInformation.scores(merged), try HistogramMutualInformation.scores(single))
    }

    /// Counting batches on several threads, each a slice of the dimensions, equals a count by linear scans
    /// of the edges, whatever the thread count (more threads than tiles included) and however the rows are cut.
    func testHistogramsCountedOnThreadsEqualALinearScanCount() throws {
        var generator = SplitMix64(seed: 17)
        let (count, dimensions, targets) = (600, 50, 3)
        let data = try TestData.planted(count: count, dimensions: dimensions, targets: targets, seed: 23)
        let layout = try HistogramLayout(range: RangePartial(data), bins: 8, binaryTargets: false)
        var reference = [[Int]](repeating: [Int](repeating: 0, count: 8 * 8), count: dimensions * targets)
        for row in 0..<count {
            for dimension in 0..<dimensions {
                let x = TestData.linearScanBin(
                    data.features[row * dimensions + dimension], edges: layout.edgesX(dimension: dimension))
                for target in 0..<targets {
                    let y = TestData.linearScanBin(
                        data.targets[row * targets + target], edges: layout.edgesY(target: target))
                    reference[dimension * targets + target][x * 8 + y] += 1
                }
            }
        }
        let pieces = TestData.randomPieces(count: count, pieces: 5, generator: &generator).map { data.rows($0) }
        for threads in [1, 2, 3, 5, 64] {
            var histogram = JointHistogramPartial(layout: layout)
            try histogram.add(pieces, threads: threads)
            XCTAssertEqual(histogram.count, count, "\(threads) threads")
            for dimension in 0..<dimensions {
                for target in 0..<targets {
                    XCTAssertEqual(
                        Array(histogram.table(dimension: dimension, target: target)),
                        reference[dimension * targets + target],
                        "dimension \(dimension), target \(target), \(threads) threads")
                }
            }
        }
    }

    func testEmptyPartialIsTheMergeIdentity() throws {
        let data = try TestData.correlated(count: 50, dimensions: 4, targets: 2, seed: 1)
        let moments = MomentsPartial(data)
        let empty = MomentsPartial(dimensions: 0..<4, targetCount: 2)
        XCTAssertEqual(try moments.merged(with: empty), moments)
        XCTAssertEqual(try empty.merged(with: moments), moments)
        XCTAssertEqual(MomentsPartial(data.rows(0..<0)), empty)

        let range = RangePartial(data)
        XCTAssertEqual(try range.merged(with: RangePartial(dimensions: 0..<4, targetCount: 2)), range)
        XCTAssertEqual(try RangePartial(dimensions: 0..<4, targetCount: 2).merged(with: range), range)

        var covariance = CovariancePartial(dimensions: 0..<4)
        try covariance.add(data)
        XCTAssertEqual(try covariance.merged(with: CovariancePartial(dimensions: 0..<4)), covariance)
        XCTAssertEqual(try CovariancePartial(dimensions: 0..<4).merged(with: covariance), covariance)

        let layout = try HistogramLayout(range: range, bins: 8, binaryTargets: false)
        var histogram = JointHistogramPartial(layout: layout)
        try histogram.add(data)
        XCTAssertEqual(try histogram.merged(with: JointHistogramPartial(layout: layout)), histogram)
    }

    func testMergingDifferentShapesThrows() throws {
        let a = MomentsPartial(dimensions: 0..<4, targetCount: 1)
        let b = MomentsPartial(dimensions: 4..<8, targetCount: 1)
        XCTAssertThrowsError(try a.merged(with: b)) { error in
            guard case SaliencyError.shapeMismatch = error else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(
            try CovariancePartial(rows: 0..<2, columns: 2..<4).merged(with: CovariancePartial(dimensions: 0..<4)))
    }
}
