import Cluster
import Foundation
import Logging
import Saliency
import Shards
import TestSupport
import XCTest

@testable import Scan
@testable import ScanModel

/// KSG from pass A's pooled rows: the statistics tasks return their pieces' pooled train rows, and the KSG
/// tasks, planned once pass A is done, carry their block of them and read no frames. The scores must be the
/// ones a KSG task reading the frames itself gives, to the bit.
final class PooledRowsTests: XCTestCase {
    func testKSGFromPooledRowsEqualsKSGReadingTheFramesToTheBit() throws {
        let scratch = try ScratchDirectory("salience-pooled")
        defer { scratch.remove() }
        var configuration = SyntheticDataset.Configuration()
        configuration.utterances = 120
        configuration.dimension = 10
        configuration.relevantDimensions = 4
        configuration.shards = 2
        try SyntheticDataset(configuration: configuration).write(to: scratch.path("syn"))

        var spec = ScanSpec(datasetDirectory: "syn", name: "pooled")
        spec.selection.methods = [.ccs, .mis]
        spec.selection.ratios = [0.5]
        spec.selection.thresholds = []
        spec.decoder = ScanSpec.Decoder(
            kind: .gruFF, convChannels: 0, kernel: 0, gruUnits: 3, gruLayers: 1, ffUnits: 3, dropout: 0)
        spec.training.seeds = [1]
        spec.training.epochs = 1
        spec.training.labelVariance = [.off]
        spec.cluster.utterancesPerTask = 25
        spec.cluster.dimensionBlock = 3
        spec.output.directory = scratch.path("out").path

        // Re-planning from scratch at every phase gives the same tasks (InProcessScan checks it).
        let scan = try InProcessScan(spec: spec, root: scratch.url)
        let phaseOf = { (kind: String) in scan.phases.firstIndex { $0.contains { $0.kind == kind } } }
        let statistics = try XCTUnwrap(phaseOf(ScanTaskKind.statistics))
        let ksg = try XCTUnwrap(phaseOf(ScanTaskKind.ksg))
        XCTAssertGreaterThan(ksg, statistics, "KSG waits for pass A's rows")
        let ksgTasks = scan.phases[ksg].filter { $0.kind == ScanTaskKind.ksg }
        XCTAssertEqual(ksgTasks.count, 4, "blocks of 3 over 10 dimensions")

        let context = TaskContext(
            dataRoot: DataRoot(scratch.url), outputRoot: OutputRoot(scratch.url), logger: Logger(label: "test"))
        let progress = try ScanProgress(records: scan.records)
        XCTAssertTrue(progress.ksgComplete)
        XCTAssertTrue(progress.pooledRows.isEmpty, "the rows are dropped once every block has its scores")
        for task in ksgTasks {
            var body = try ScanCoding.decode(KSGTask.self, from: task.payload, what: "ksg")
            XCTAssertEqual(body.carriesRows, true)
            let rows = try Observations(serialized: [UInt8](try XCTUnwrap(task.payload.arrays.first)))
            XCTAssertEqual(rows.dimensionRange, body.start..<body.end)
            let fromRows = try KSGExecutor().execute(
                TaskInput(id: 1, run: "r", phase: ksg, kind: task.kind, payload: task.payload), context: context)
            body.carriesRows = nil
            let fromFrames = try KSGExecutor().execute(
                TaskInput(id: 2, run: "r", phase: ksg, kind: task.kind, payload: try ScanCoding.payload(body)),
                context: context)
            XCTAssertEqual(fromRows.arrays, fromFrames.arrays, "block \(body.start)..<\(body.end)")
            let read = try ScanCoding.decode(KSGResult.self, from: fromFrames, what: "ksg result")
            let unread = try ScanCoding.decode(KSGResult.self, from: fromRows, what: "ksg result")
            XCTAssertGreaterThan(read.bytesFromDataRoot ?? 0, 0)
            XCTAssertEqual(unread.bytesFromDataRoot, 0, "from the rows, nothing is read")
        }

        // When the rows are not sent on: frame pooling (its rows are the frames), no pass A, or too many rows.
        let catalog = try XCTUnwrap(progress.catalog)
        XCTAssertTrue(ScanGraph(catalog: catalog).ksgReadsPooledRows)
        var framePooled = catalog
        framePooled.spec.dataset.pooling = .frame
        XCTAssertFalse(ScanGraph(catalog: framePooled).ksgReadsPooledRows)
        var misOnly = catalog
        misOnly.spec.selection.methods = [.mis]
        XCTAssertFalse(ScanGraph(catalog: misOnly).ksgReadsPooledRows)
        var huge = catalog
        let rowBytes = (catalog.dataset.dimension + catalog.targetColumns.count + 1) * 8
        huge.cleanShards[0].trainUtterances = ScanDefaults.pooledRowsLimitBytes / rowBytes + 1
        XCTAssertFalse(ScanGraph(catalog: huge).ksgReadsPooledRows)
        var wideTasks = catalog
        wideTasks.spec.cluster.utterancesPerTask = ScanDefaults.pooledRowsMessageLimitBytes / rowBytes + 1
        XCTAssertFalse(ScanGraph(catalog: wideTasks).ksgReadsPooledRows)
    }
}
