import Learn
import Numerics
import XCTest

/// Finite-difference checks in Double: the analytic gradient of L = Σ w ⊙ f(x) (fixed random w) against
/// central differences, for sampled entries of every parameter and of the input; padded input entries
/// must get exactly zero gradient and changing them must change nothing.
enum GradientCheck {
    /// Central-difference step: small enough for second-order error ~1e-12, large enough for rounding ~1e-11.
    static let step = 1e-5
    /// Relative tolerance of analytic versus finite-difference gradients in Double.
    static let tolerance = 1e-6

    static func verify(
        parameters: [Parameter<Double>], input: [Double], isPadding: (Int) -> Bool = { _ in false },
        samplesPerTensor: Int = 25, seed: UInt64 = 7,
        forward: ([Double]) -> [Double], backward: ([Double]) -> [Double],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var generator = SeededGenerator(seed: seed)
        let y = forward(input)
        let weights = (0..<y.count).map { _ in Double.random(in: -1...1, using: &generator) }
        for p in parameters { p.zeroGradient() }
        _ = forward(input)
        let gradInput = backward(weights)
        func loss(_ x: [Double]) -> Double { zip(forward(x), weights).reduce(0) { $0 + $1.0 * $1.1 } }
        func compare(_ analytic: Double, _ numeric: Double, _ what: String) {
            let scale = max(1, abs(analytic), abs(numeric))
            XCTAssertEqual(analytic, numeric, accuracy: tolerance * scale, what, file: file, line: line)
        }
        for p in parameters {
            for i in sampleIndices(p.count, samplesPerTensor, &generator) {
                let original = p.value[i]
                p.value[i] = original + step
                let plus = loss(input)
                p.value[i] = original - step
                let minus = loss(input)
                p.value[i] = original
                compare(p.gradient[i], (plus - minus) / (2 * step), "\(p.name)[\(i)]")
            }
        }
        XCTAssertEqual(gradInput.count, input.count, "input gradient size", file: file, line: line)
        guard gradInput.count == input.count else { return }
        var validSamples = 0
        for i in sampleIndices(input.count, 4 * samplesPerTensor, &generator) {
            if isPadding(i) { continue }
            validSamples += 1
            var x = input
            x[i] += step
            let plus = loss(x)
            x[i] -= 2 * step
            let minus = loss(x)
            compare(gradInput[i], (plus - minus) / (2 * step), "input[\(i)]")
        }
        XCTAssertGreaterThan(validSamples, 0, "no valid input entry sampled", file: file, line: line)
        var perturbed = input
        var paddedCount = 0
        for i in 0..<input.count where isPadding(i) {
            paddedCount += 1
            XCTAssertEqual(gradInput[i], 0, "padded input[\(i)] has a gradient", file: file, line: line)
            perturbed[i] = Double.random(in: -5...5, using: &generator)
        }
        if paddedCount > 0 {
            XCTAssertEqual(forward(perturbed), y, "changing padded frames changed the output", file: file, line: line)
        }
    }

    static func sampleIndices(_ count: Int, _ samples: Int, _ generator: inout SeededGenerator) -> [Int] {
        if count <= samples { return Array(0..<count) }
        return (0..<samples).map { _ in Int.random(in: 0..<count, using: &generator) }
    }

    /// A random time-major batch with the given lengths; padded steps hold zeros.
    static func randomBatch(lengths: [Int], width: Int, seed: UInt64) -> FrameBatch<Double> {
        var generator = SeededGenerator(seed: seed)
        let sequences = lengths.map { n in (0..<(n * width)).map { _ in Double.random(in: -1...1, using: &generator) } }
        return FrameBatch(sequences: sequences, width: width)
    }

    /// Whether flat index `i` of a `[steps, batch, width]` buffer is a padded frame.
    static func paddingPredicate(_ batch: FrameBatch<Double>) -> (Int) -> Bool {
        let lengths = batch.lengths
        let width = batch.width
        return { i in
            let row = i / width
            return row / lengths.count >= lengths[row % lengths.count]
        }
    }
}
