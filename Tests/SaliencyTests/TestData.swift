import Foundation
import Numerics
import Saliency
import TestSupport
import XCTest

/// Seeded synthetic data for the Saliency tests.
enum TestData {
    /// numpy.histogramdd's bin rule by definition (searchsorted on the right), the independent reference for
    /// the histogram code: the last bin whose left edge is <= value, also where edges coincide; `high` falls
    /// in the last bin; values outside go to the nearer end bin.
    static func linearScanBin(_ value: Double, edges: [Double]) -> Int {
        let last = edges.count - 2
        if !(value < edges[last + 1]) { return last }
        if value < edges[0] { return edges[0] < edges[last + 1] ? 0 : last }
        return (0...last).last { edges[$0] <= value } ?? 0
    }

    /// Gaussian features with planted dependence on the targets:
    /// y0 = 0.9·x[linearA] + 0.5·x[linearB] + 1.5·(x[quadratic]² − 1) + 0.3·ε; further targets are
    /// independent copies of that recipe with their own noise.
    static let linearA = 3
    static let linearB = 7
    static let quadratic = 11

    /// Needs dimensions > `quadratic`.
    static func planted(count: Int, dimensions: Int, targets: Int = 1, seed: UInt64 = 1) throws -> Observations {
        precondition(dimensions > quadratic, "planted data needs more than \(quadratic) dimensions")
        var generator = SplitMix64(seed: seed)
        var features = [Double](repeating: 0, count: count * dimensions)
        var labels = [Double](repeating: 0, count: count * targets)
        for row in 0..<count {
            for column in 0..<dimensions { features[row * dimensions + column] = generator.nextNormal() }
            let x = { features[row * dimensions + $0] }
            for target in 0..<targets {
                let q = x(quadratic)
                labels[row * targets + target] =
                    0.9 * x(linearA) + 0.5 * x(linearB) + 1.5 * (q * q - 1) + 0.3 * generator.nextNormal()
            }
        }
        return try Observations(
            features: features, targets: labels, count: count, dimensions: dimensions, targetCount: targets)
    }

    /// Features with non-zero means and varied scales, correlated through a random mixing, and targets
    /// linear in a few of them plus noise: a harder test of the merge formulas than standard normals.
    static func correlated(count: Int, dimensions: Int, targets: Int, seed: UInt64) throws -> Observations {
        var generator = SplitMix64(seed: seed)
        let mixing = (0..<(dimensions * dimensions)).map { _ in generator.nextNormal() * 0.3 }
        let offsets = (0..<dimensions).map { _ in generator.nextNormal() * 50 }
        let scales = (0..<dimensions).map { _ in 0.01 + 3 * generator.nextUniform() }
        var features = [Double](repeating: 0, count: count * dimensions)
        var labels = [Double](repeating: 0, count: count * targets)
        for row in 0..<count {
            let z = (0..<dimensions).map { _ in generator.nextNormal() }
            for column in 0..<dimensions {
                var value = z[column]
                for other in 0..<dimensions { value += mixing[column * dimensions + other] * z[other] }
                features[row * dimensions + column] = offsets[column] + scales[column] * value
            }
            for target in 0..<targets {
                labels[row * targets + target] =
                    100 + z[target % dimensions] - 0.5 * z[(target + 2) % dimensions] + generator.nextNormal()
            }
        }
        return try Observations(
            features: features, targets: labels, count: count, dimensions: dimensions, targetCount: targets)
    }

    /// Random cut points splitting `count` rows into `pieces` (some possibly empty) ranges.
    static func randomPieces(count: Int, pieces: Int, generator: inout SplitMix64) -> [Range<Int>] {
        var cuts = (0..<(pieces - 1)).map { _ in generator.nextInt(below: count + 1) }
        cuts.sort()
        let bounds = [0] + cuts + [count]
        return (0..<pieces).map { bounds[$0]..<bounds[$0 + 1] }
    }

    /// A random permutation of `0..<count`.
    static func shuffled(_ count: Int, generator: inout SplitMix64) -> [Int] {
        var order = Array(0..<count)
        for index in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(index, generator.nextInt(below: index + 1))
        }
        return order
    }

    /// Writes an array as raw little-endian float64 (what `numpy.fromfile` reads).
    static func writeFloat64(_ values: [Double], to url: URL) throws {
        let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
        try data.write(to: url)
    }

    /// Reads raw little-endian float64.
    static func readFloat64(_ url: URL) throws -> [Double] {
        let data = try Data(contentsOf: url)
        return data.withUnsafeBytes { Array($0.bindMemory(to: Double.self)) }
    }
}

/// Runs a script in Tests/SaliencyTests/Python with the reference venv and decodes its JSON output.
func runReferenceScript(_ name: String, _ arguments: [String]) throws -> [String: Any] {
    try runReferenceScript(target: "SaliencyTests", name, arguments)
}

/// Writes observations as x.f64 / y.f64 in `directory`, returning the arguments the scripts take.
func writeObservations(_ batch: Observations, in directory: ScratchDirectory) throws -> [String] {
    try TestData.writeFloat64(batch.features, to: directory.path("x.f64"))
    try TestData.writeFloat64(batch.targets, to: directory.path("y.f64"))
    return [directory.url.path, "\(batch.count)", "\(batch.dimensions)", "\(batch.targetCount)"]
}

/// Spearman rank correlation (average ranks for ties).
func spearman(_ a: [Double], _ b: [Double]) -> Double {
    func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var out = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            for index in start...end { out[order[index]] = Double(start + end) / 2 }
            start = end + 1
        }
        return out
    }
    let ra = ranks(a)
    let rb = ranks(b)
    let ma = ra.reduce(0, +) / Double(ra.count)
    let mb = rb.reduce(0, +) / Double(rb.count)
    var num = 0.0
    var da = 0.0
    var db = 0.0
    for index in ra.indices {
        num += (ra[index] - ma) * (rb[index] - mb)
        da += (ra[index] - ma) * (ra[index] - ma)
        db += (rb[index] - mb) * (rb[index] - mb)
    }
    return num / (da * db).squareRoot()
}
