import Foundation
import Numerics
import TestSupport
import XCTest

/// The shared numeric tools against independent references: the pairwise merge against a direct two-pass
/// computation over all observations, and the generators against Vigna's reference algorithms written
/// out in Python (arbitrary-precision integers masked to 64 bits, nothing shared with the Swift code).
final class NumericsTests: XCTestCase {
    func testPairwiseMergeEqualsTheDirectComputationOverAllObservations() {
        var random = SplitMix64(seed: 3)
        for (countA, countB) in [(1, 1), (1, 9), (7, 3), (250, 13)] {
            let xs = (0..<(countA + countB)).map { _ in (0..<3).map { _ in random.nextNormal() * 5 + 2 } }
            let ys = (0..<(countA + countB)).map { _ in (0..<2).map { _ in random.nextNormal() - 1 } }
            func summary(_ rows: Range<Int>) -> (mx: [Double], my: [Double], m2: [Double], c: [Double]) {
                let n = Double(rows.count)
                let mx = (0..<3).map { d in rows.reduce(0.0) { $0 + xs[$1][d] } / n }
                let my = (0..<2).map { t in rows.reduce(0.0) { $0 + ys[$1][t] } / n }
                let m2 = (0..<3).map { d in rows.reduce(0.0) { $0 + (xs[$1][d] - mx[d]) * (xs[$1][d] - mx[d]) } }
                var c: [Double] = []
                for d in 0..<3 {
                    for t in 0..<2 { c.append(rows.reduce(0.0) { $0 + (xs[$1][d] - mx[d]) * (ys[$1][t] - my[t]) }) }
                }
                return (mx, my, m2, c)
            }
            let a = summary(0..<countA)
            let b = summary(countA..<(countA + countB))
            let whole = summary(0..<(countA + countB))
            let merge = PairwiseMerge(countA: countA, countB: countB)
            let dx = PairwiseMerge.deltas(a.mx, b.mx)
            let dy = PairwiseMerge.deltas(a.my, b.my)
            var (mx, my, m2, c) = a
            merge.addSquares(&m2, b.m2, deltas: dx)
            merge.addCross(&c, b.c, deltasX: dx, deltasY: dy)
            merge.moveMeans(&mx, by: dx)
            merge.moveMeans(&my, by: dy)
            for (got, want) in zip(mx + my + m2 + c, whole.mx + whole.my + whole.m2 + whole.c) {
                XCTAssertEqual(got, want, accuracy: 1e-10 * max(1, abs(want)), "nA \(countA), nB \(countB)")
            }
        }
    }

    func testGeneratorsFollowVignasReferenceAlgorithms() throws {
        let script = """
            import json
            M = (1 << 64) - 1
            def splitmix(state):
                state = (state + 0x9E3779B97F4A7C15) & M
                z = state
                z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
                z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
                return state, z ^ (z >> 31)
            def rotl(x, k):
                return ((x << k) | (x >> (64 - k))) & M
            def xoshiro(seed, n):
                s, st = [], seed
                for _ in range(4):
                    st, v = splitmix(st)
                    s.append(v)
                out = []
                for _ in range(n):
                    out.append(rotl((s[1] * 5) & M, 7) * 9 & M)
                    t = (s[1] << 17) & M
                    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3]; s[2] ^= t
                    s[3] = rotl(s[3], 45)
                return out
            raw, st = [], 12345
            for _ in range(5):
                st, v = splitmix(st)
                raw.append(v)
            print(json.dumps({"xoshiro": [str(v) for v in xoshiro(42, 6)], "splitmix": [str(v) for v in raw]}))
            """
        guard let result = try runReferencePython(script) else {
            throw XCTSkip("no reference Python venv (set SALIENCE_PYTHON or run ops/python-env)")
        }
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: [String]])
        var xoshiro = SeededGenerator(seed: 42)
        XCTAssertEqual((0..<6).map { _ in String(xoshiro.next()) }, json["xoshiro"])
        var splitmix = SplitMix64(state: 12345)
        XCTAssertEqual((0..<5).map { _ in String(splitmix.next()) }, json["splitmix"])
    }
}
