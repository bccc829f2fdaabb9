import Foundation
import Saliency
import TestSupport
import XCTest

@testable import ScanModel

/// Bootstrap replicates through a real scan: the confidence in results.json equals the single-machine
/// `salience scores --replicates` (standard errors, intervals, the stable rule's selection probabilities) to
/// 1e-9 on one and on three workers, and the `stable:π` cell trains the dimensions `select` picks.
extension ScanClusterTests {
    func testBootstrapConfidenceEqualsSingleMachineOnOneAndThreeWorkers() throws {
        let out = scratch.path("reference-bootstrap")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let csv = out.appendingPathComponent("scores.csv")
        let scores = try runProcess(
            TestEnvironment.salienceBinary,
            [
                "scores", dataRoot.appendingPathComponent("syn").path, "--methods", "ccs,mis-hist", "--replicates",
                "30", "--bootstrap-seed", "5", "--out", csv.path,
            ])
        XCTAssertEqual(scores.status, 0, scores.stderr)
        let reference = try csvColumns(csv)
        let stableSelect = try runProcess(
            TestEnvironment.salienceBinary, ["select", csv.path, "--by", "ccs", "--threshold", "stable:0.8"])
        XCTAssertEqual(stableSelect.status, 0, stableSelect.stderr)
        let stableIndices = stableSelect.stdout.split(separator: "\n").compactMap { Int($0) }
        let refused = try runProcess(
            TestEnvironment.salienceBinary, ["select", csv.path, "--by", "ccs", "--threshold", "stable:1.5"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("(0, 1]"), refused.stderr)

        for workers in [1, 3] {
            let output = "out-bootstrap-\(workers)"
            var spec = smallSpec(output: output, methods: [.ccs, .misHist])
            spec.selection.thresholds = [.mean, .stable(0.8)]
            spec.confidence = ScanSpec.Confidence(replicates: 30, seed: 5)
            let result = try scan(try writeSpec(spec, "bootstrap-\(workers).toml"), workers: workers)
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
            let results = try ScanResults.load(
                contentsOf: scratch.path(output).appendingPathComponent("results.json"))
            let confidence = try XCTUnwrap(results.confidence, "\(workers) workers: no confidence")
            XCTAssertEqual(confidence.replicates, 30)
            let ccs = try XCTUnwrap(confidence.method(.ccs))
            assertClose(ccs.standardError, reference["ccs.se"], "\(workers) workers: se")
            assertClose(ccs.intervalLow, reference["ccs.ci_low"], "\(workers) workers: ci_low")
            assertClose(ccs.intervalHigh, reference["ccs.ci_high"], "\(workers) workers: ci_high")
            let mean = try XCTUnwrap(ccs.rules.first { $0.rule == .threshold(.mean) })
            XCTAssertEqual(mean.selectionProbability, reference["ccs.p_stable"], "\(workers) workers")
            XCTAssertNotNil(confidence.notCovered["mis-hist"])
            XCTAssertTrue(confidence.agreement.contains { $0.measure == "spearman" && $0.methods == [.ccs, .misHist] })
            let stable = results.selections.first { $0.method == .ccs && $0.rule == .threshold(.stable(0.8)) }
            XCTAssertEqual(stable?.indices, stableIndices, "\(workers) workers: stable:0.8 selection")
            XCTAssertFalse(stableIndices.isEmpty)
            XCTAssertTrue(results.models.contains { $0.method == .ccs && $0.rule == .threshold(.stable(0.8)) })
            XCTAssertFalse(results.selections.contains { $0.method == .misHist && $0.rule == .threshold(.stable(0.8)) })
        }
    }

    /// IG's replicates (each IG task's utterances weighted like CCS's) through a real scan: the same on one and
    /// three workers, `stable:π` trains for IG, and IG joins the agreement as resampled.
    func testIGReplicatesAreTheSameOnOneAndThreeWorkers() throws {
        var seen: [ScanResults.MethodConfidence] = []
        for workers in [1, 3] {
            let output = "out-ig-bootstrap-\(workers)"
            var spec = smallSpec(output: output, methods: [.ccs, .ig])
            spec.selection.thresholds = [.mean, .stable(0.8)]
            spec.ig.steps = 8
            spec.confidence = ScanSpec.Confidence(replicates: 20, seed: 3)
            let result = try scan(try writeSpec(spec, "ig-bootstrap-\(workers).toml"), workers: workers)
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
            let results = try ScanResults.load(
                contentsOf: scratch.path(output).appendingPathComponent("results.json"))
            let confidence = try XCTUnwrap(results.confidence, "\(workers) workers: no confidence")
            XCTAssertNil(confidence.notCovered["ig"], "IG is covered")
            let ig = try XCTUnwrap(confidence.method(.ig), "\(workers) workers: no IG confidence")
            XCTAssertTrue(ig.standardError.contains { $0 > 0 }, "replicates differ from one another")
            let spearman = confidence.agreement.first { $0.measure == "spearman" && Set($0.methods) == [.ccs, .ig] }
            XCTAssertEqual(Set(spearman?.resampled ?? []), [.ccs, .ig])
            XCTAssertTrue(results.models.contains { $0.method == .ig && $0.rule == .threshold(.stable(0.8)) })
            seen.append(ig)
        }
        assertClose(seen[1].standardError, seen[0].standardError, "IG se, 3 workers against 1")
        assertClose(seen[1].intervalLow, seen[0].intervalLow, "IG ci_low, 3 workers against 1")
        XCTAssertEqual(seen[1].rules.map(\.selectionProbability), seen[0].rules.map(\.selectionProbability))
    }

    /// KSG's subsample replicates through a real scan (each dimension-block task resamples its rows): equal to
    /// `salience scores --replicates` on one and three workers; with `[confidence] mis = false` there are none,
    /// no `stable:π` cell for mis, and `not_covered` says why.
    func testKSGReplicatesEqualSingleMachineAndCanBeTurnedOff() throws {
        let reference = try bootstrapReference(methods: "ccs,mis", replicates: 8, seed: 2, name: "ksg-bootstrap.csv")
        for workers in [1, 3] {
            let output = "out-ksg-bootstrap-\(workers)"
            var spec = smallSpec(output: output, methods: [.ccs, .mis])
            spec.selection.thresholds = [.mean, .stable(0.8)]
            spec.confidence = ScanSpec.Confidence(replicates: 8, seed: 2)
            let result = try scan(try writeSpec(spec, "ksg-bootstrap-\(workers).toml"), workers: workers)
            XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
            let results = try ScanResults.load(contentsOf: scratch.path(output).appendingPathComponent("results.json"))
            let mis = try XCTUnwrap(results.confidence?.method(.mis), "\(workers) workers: no mis confidence")
            assertClose(mis.standardError, reference["mis.se"], "\(workers) workers: mis se")
            assertClose(mis.intervalLow, reference["mis.ci_low"], "\(workers) workers: mis ci_low")
            let mean = try XCTUnwrap(mis.rules.first { $0.rule == .threshold(.mean) })
            XCTAssertEqual(mean.selectionProbability, reference["mis.p_stable"], "\(workers) workers")
            XCTAssertTrue(results.models.contains { $0.method == .mis && $0.rule == .threshold(.stable(0.8)) })
        }
        var off = smallSpec(output: "out-ksg-off", methods: [.ccs, .mis])
        off.selection.thresholds = [.mean, .stable(0.8)]
        off.confidence = ScanSpec.Confidence(replicates: 8, seed: 2)
        off.confidence?.mis = false
        let result = try scan(try writeSpec(off, "ksg-off.toml"), workers: 2)
        XCTAssertEqual(result.status, 0, result.stdout + result.stderr)
        let results = try ScanResults.load(
            contentsOf: scratch.path("out-ksg-off").appendingPathComponent("results.json"))
        let confidence = try XCTUnwrap(results.confidence)
        XCTAssertNil(confidence.method(.mis))
        XCTAssertNotNil(confidence.method(.ccs))
        XCTAssertTrue(confidence.notCovered["mis"]?.contains("mis = false") ?? false, "\(confidence.notCovered)")
        XCTAssertFalse(results.models.contains { $0.method == .mis && $0.rule == .threshold(.stable(0.8)) })
        XCTAssertTrue(results.models.contains { $0.method == .ccs && $0.rule == .threshold(.stable(0.8)) })
    }

    /// The single-machine reference: `salience scores --replicates` on the fixture, its CSV columns by name.
    func bootstrapReference(methods: String, replicates: Int, seed: Int, name: String) throws -> [String: [Double]] {
        let csv = scratch.path(name)
        let scores = try runProcess(
            TestEnvironment.salienceBinary,
            [
                "scores", dataRoot.appendingPathComponent("syn").path, "--methods", methods, "--replicates",
                String(replicates), "--bootstrap-seed", String(seed), "--out", csv.path,
            ])
        XCTAssertEqual(scores.status, 0, scores.stderr)
        return try csvColumns(csv)
    }
}
