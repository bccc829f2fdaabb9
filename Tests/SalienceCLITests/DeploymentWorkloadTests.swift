// The work the deployment tests push through a cluster, and how its results are checked. Today a run of
// the diagnostic task kinds every worker offers; a saliency scan can take its place later by providing
// the same two things: a file to submit, and a check of what the run returned.
import Foundation
import Numerics
import XCTest

/// A run of `count` tasks alternating `cluster.sleep` (time-bound, so a run lasts long enough to disturb
/// it) and `cluster.spin` (CPU-bound, with a result computed independently here).
struct DeploymentWorkload {
    /// Tasks in the run.
    var count: Int
    /// Milliseconds each sleep task sleeps (its result echoes the value).
    var sleepMilliseconds: UInt64
    /// SplitMix64 steps per spin task.
    var spinIterations: UInt64

    /// Task `index`'s body: even tasks sleep, odd ones spin from a start that differs per task.
    func task(_ index: Int) -> (kind: String, words: [UInt64]) {
        if index % 2 == 0 { return ("cluster.sleep", [sleepMilliseconds + UInt64(index % 5)]) }
        return ("cluster.spin", [UInt64(index) &* 0x1_0000_0001, spinIterations])
    }

    /// The run description `salience submit` reads.
    func runFile(name: String) throws -> Data {
        let tasks = (0..<count).map { index -> [String: Any] in
            let task = task(index)
            return ["kind": task.kind, "u64": task.words]
        }
        return try JSONSerialization.data(withJSONObject: ["name": name, "tasks": tasks], options: [.sortedKeys])
    }

    /// Writes the run description to `url`.
    func writeRunFile(to url: URL, name: String) throws { try runFile(name: name).write(to: url) }

    /// The result task `index` must return, computed without the cluster: a sleep echoes its body; a spin
    /// sums SplitMix64 outputs (Steele, Lea & Flood 2014; constants from Vigna's splitmix64.c).
    func expected(_ index: Int) -> UInt64 {
        let task = task(index)
        if task.kind == "cluster.sleep" { return task.words[0] }
        var sum: UInt64 = 0
        for step in 0..<task.words[1] { sum &+= Self.splitMix64Output(task.words[0] &+ step) }
        return sum
    }

    /// SplitMix64's output for the generator state just before `state` is advanced once.
    static func splitMix64Output(_ state: UInt64) -> UInt64 {
        var z = state &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Problems with a run's `salience results` output (JSON lines): empty when every task index has
    /// exactly one successful result equal to the undisturbed expectation.
    func problems(resultsJSONLines text: String) -> [String] {
        var problems: [String] = []
        var seen = [Int: Int]()
        var ids = Set<Int>()
        for line in text.split(whereSeparator: \.isNewline) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let index = integer(object["index"]), let id = integer(object["id"])
            else {
                problems.append("unreadable result line: \(line.prefix(200))")
                continue
            }
            seen[index, default: 0] += 1
            if !ids.insert(id).inserted { problems.append("task id \(id) reported twice") }
            guard object["ok"] as? Bool == true else {
                problems.append("task \(index) failed: \(object["error"] ?? "")")
                continue
            }
            guard let body = (object["body_base64"] as? String).flatMap({ Data(base64Encoded: $0) }),
                body.count == 8
            else {
                problems.append("task \(index): result body is not one UInt64")
                continue
            }
            let value = body.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
            if value != expected(index) { problems.append("task \(index): \(value) != expected \(expected(index))") }
        }
        for index in 0..<count where seen[index] != 1 {
            problems.append("task \(index) has \(seen[index] ?? 0) results, not exactly one")
        }
        for index in seen.keys where index < 0 || index >= count { problems.append("unknown task index \(index)") }
        return problems
    }
}

/// The workload's own reference must be right, or every deployment test checks against the wrong thing.
final class DeploymentWorkloadTests: XCTestCase {
    /// First outputs of splitmix64.c seeded with 0 (Vigna), i.e. states 0, γ, 2γ before advancing.
    func testSplitMix64MatchesThePublishedSequence() {
        let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15
        XCTAssertEqual(DeploymentWorkload.splitMix64Output(0), 0xE220_A839_7B1D_CDAF)
        XCTAssertEqual(DeploymentWorkload.splitMix64Output(gamma), 0x6E78_9E6A_A1B9_65F4)
        XCTAssertEqual(DeploymentWorkload.splitMix64Output(gamma &* 2), 0x06C4_5D18_8009_454F)
    }

    /// The checker accepts exactly-once correct results and reports missing, duplicated and wrong ones.
    func testCheckerCatchesMissingDuplicateAndWrongResults() {
        let workload = DeploymentWorkload(count: 3, sleepMilliseconds: 1, spinIterations: 10)
        func line(_ id: Int, _ index: Int, _ value: UInt64) -> String {
            let body = withUnsafeBytes(of: value.littleEndian) { Data($0) }.base64EncodedString()
            return #"{"body_base64":"\#(body)","id":\#(id),"index":\#(index),"kind":"k","ok":true,"phase":0}"#
        }
        let good = (0..<3).map { line($0 + 1, $0, workload.expected($0)) }
        XCTAssertEqual(workload.problems(resultsJSONLines: good.joined(separator: "\n")), [])
        XCTAssertFalse(workload.problems(resultsJSONLines: good.dropLast().joined(separator: "\n")).isEmpty)
        XCTAssertFalse(
            workload.problems(resultsJSONLines: (good + [line(9, 2, workload.expected(2))]).joined(separator: "\n"))
                .isEmpty)
        let wrong = [good[0], good[1], line(3, 2, workload.expected(2) &+ 1)]
        XCTAssertFalse(workload.problems(resultsJSONLines: wrong.joined(separator: "\n")).isEmpty)
    }
}
