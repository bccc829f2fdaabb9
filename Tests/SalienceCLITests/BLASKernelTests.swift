import Foundation
import TestSupport
import XCTest

/// `salience` picks OpenBLAS kernels for this CPU by itself when OpenBLAS falls back to generic ones (Debian's
/// 0.3.21 on recent Xeons), in the running process, and the choice reaches the child processes it starts.
final class BLASKernelTests: XCTestCase {
    private var scratch: ScratchDirectory!

    override func setUpWithError() throws { scratch = try ScratchDirectory("cli-blas") }
    override func tearDown() { scratch.remove() }

    /// The kernel families OpenBLAS falls back to when it does not know the CPU.
    private let generic: Set<String> = ["prescott", "core2", "katmai", "nehalem", "sandybridge", "unknown"]

    func testTrainRunsOnKernelsForThisCPUWithoutOPENBLAS_CORETYPE() throws {
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(
            (info.split(separator: "\n").first { $0.hasPrefix("flags") } ?? "").split(separator: " ").map(String.init))
        guard flags.contains("avx2") && flags.contains("fma") else {
            throw XCTSkip("this CPU has no AVX2/FMA, so OpenBLAS's generic kernels may be the right ones")
        }
        let data = scratch.path("syn")
        let synth = try runProcess(
            TestEnvironment.salienceBinary,
            ["dataset", "synth", data.path, "--utterances", "60", "--dim", "8", "--relevant", "2", "--targets", "1"])
        XCTAssertEqual(synth.status, 0, synth.stderr)
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "OPENBLAS_CORETYPE")
        let train = try runProcess(
            TestEnvironment.salienceBinary,
            [
                "train", data.path, "--epochs", "1", "--decoder", "gru-ff", "--out",
                scratch.path("model.h5").path,
            ], environment: environment)
        XCTAssertEqual(train.status, 0, train.stderr)
        let output = train.stdout + train.stderr
        let core = try XCTUnwrap(
            output.components(separatedBy: "BLAS ").dropFirst().first?.prefix { $0.isLetter || $0.isNumber },
            output)
        XCTAssertFalse(generic.contains(core.lowercased()), "train ran on OpenBLAS's generic \(core) kernels")
    }
}
