import Cluster
import Foundation
import Shards
import TestSupport
import XCTest

@testable import Scan
@testable import ScanModel

/// `[training] memory_mib`: read from TOML and written back, refused when not positive, and refused at the
/// catalog, with the numbers, when it cannot hold one batch of the widest model; the embedded cluster's
/// workers share a quarter of RAM.
final class TrainingMemorySpecTests: XCTestCase {
    func testTheFieldReadsFromTOMLAndBackAndMustBePositive() throws {
        let text = "[dataset]\ndirectory = \"d\"\n[training]\nmemory_mib = 300\n"
        let spec = try ScanSpec.parse(toml: text)
        XCTAssertEqual(spec.training.memoryMib, 300)
        XCTAssertEqual(try ScanSpec.parse(toml: spec.tomlText()).training.memoryMib, 300)
        XCTAssertNil(try ScanSpec.parse(toml: "[dataset]\ndirectory = \"d\"\n").training.memoryMib)
        XCTAssertThrowsError(try ScanSpec.parse(toml: "[dataset]\ndirectory = \"d\"\n[training]\nmemory_mib = 0\n")) {
            XCTAssertTrue("\($0)".contains("training.memory_mib"), "\($0)")
        }
    }

    func testABudgetBelowOneBatchIsRefusedAtTheCatalogWithTheNumbers() throws {
        let scratch = try ScratchDirectory("salience-memory-spec")
        defer { scratch.remove() }
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 60
        configuration.shards = 1
        configuration.dimension = 64
        configuration.minFrames = 4
        configuration.maxFrames = 20
        try SyntheticDataset(configuration: configuration).write(to: scratch.path("plain"))
        let catalog = try DatasetCatalog(directory: scratch.path("plain"))
        var longest = 0
        for shard in catalog.shards {
            let offsets = try ShardReader(url: catalog.url(of: shard)).offsets
            longest = max(longest, zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0)
        }
        var spec = ScanSpec(datasetDirectory: "plain", name: "memory")
        spec.training.memoryMib = 1
        spec.training.batchSize = 64
        func describe() -> String {
            do {
                _ = try CatalogExecutor.describe(spec: spec, submittedAt: Date(), dataRoot: DataRoot(scratch.url))
                return "accepted"
            } catch {
                return "\(error)"
            }
        }
        // 64 x longest x 64 x 4 bytes fits in 1 MiB (at most 327,680 bytes).
        XCTAssertEqual(describe(), "accepted")
        // 1,024 utterances a batch do not: the message gives the batch, the frames, the columns and the MiB.
        spec.training.batchSize = 1024
        let needed = 1024 * longest * 64 * 4
        XCTAssertGreaterThan(needed, 1 << 20)
        let text = describe()
        XCTAssertTrue(text.contains("training.memory_mib"), text)
        XCTAssertTrue(
            text.contains(
                "1024 utterances x up to \(longest) frames x 64 columns x 4 bytes = "
                    + "\((needed + (1 << 20) - 1) >> 20) MiB needed"), text)
    }

    func testEmbeddedWorkersShareAQuarterOfTheMachine() {
        XCTAssertEqual(EmbeddedCluster.workerMemoryMiB(workers: 1, physicalMemory: 16 << 30), 4096)
        XCTAssertEqual(EmbeddedCluster.workerMemoryMiB(workers: 4, physicalMemory: 16 << 30), 1024)
        XCTAssertEqual(EmbeddedCluster.workerMemoryMiB(workers: 3, physicalMemory: 24 << 30), 2048)
        XCTAssertEqual(EmbeddedCluster.workerMemoryMiB(workers: 1_000_000, physicalMemory: 1 << 30), 1)
    }
}
