import Foundation
import TestSupport
import XCTest

@testable import HDF5

#if canImport(Glibc)
    import Glibc
#endif

/// Contiguous datasets (h5py's default) are read with `pread` (`ContiguousPlan`) when the layout allows, and
/// through `H5Dread` otherwise; `DirectChunkReadTests` checks the values of both ways on every layout. Here:
/// which datasets take which way, and a file cut short under an open dataset fails the read with the rows
/// and the byte where the file ends, not with values from past its end.
final class ContiguousReadTests: XCTestCase {
    private var scratch: ScratchDirectory!
    private var file: URL { scratch.path("layouts.h5") }

    override func setUpWithError() throws {
        scratch = try ScratchDirectory("hdf5-contiguous")
        try writeChunkLayouts(to: file)
    }

    override func tearDown() { scratch.remove() }

    func testLittleEndianContiguousFloatsHaveAPlanAndOtherLayoutsDoNot() throws {
        let hdf5 = try File.open(file.path)
        // Each dataset is held open while its plan is made.
        let contiguous = try hdf5.openDataset("contiguous")
        let float32 = try XCTUnwrap(ContiguousPlan.make(for: contiguous.id))
        XCTAssertEqual(float32.elementSize, 4)
        XCTAssertEqual([float32.rows, float32.columns], [50, 21])
        let half = try hdf5.openDataset("contiguous_half")
        XCTAssertEqual(try XCTUnwrap(ContiguousPlan.make(for: half.id)).elementSize, 2)
        for name in ["contiguous_big_endian", "plain_chunked", "rows_all_columns", "gzip"] {
            let other = try hdf5.openDataset(name)
            XCTAssertNil(ContiguousPlan.make(for: other.id), name)
        }
        // The plan's address is where the values are: the file's bytes there are row 0 as stored.
        let bytes = try Data(contentsOf: file)
        let first = bytes[float32.address..<(float32.address + 4 * 21)].withUnsafeBytes {
            Array($0.bindMemory(to: Float.self))
        }
        XCTAssertEqual(first, (0..<21).map { Float((0 * 31 + $0 * 7) % 1000) / 4 })
    }

    func testAFileCutShortUnderAnOpenDatasetFailsTheReadNamingRowsAndByte() throws {
        let hdf5 = try File.open(file.path)
        let dataset = try hdf5.openDataset("contiguous")
        let plan = try XCTUnwrap(ContiguousPlan.make(for: dataset.id))
        // Cut the file in the middle of row 10.
        let cut = plan.address + 10 * 21 * 4 + 8
        XCTAssertEqual(truncate(file.path, off_t(cut)), 0)
        XCTAssertEqual(try dataset.read(rows: 0..<5, columns: nil, as: Float.self).count, 5 * 21)
        XCTAssertThrowsError(try dataset.read(rows: 0..<50, columns: nil, as: Float.self)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("rows 0..<50"), text)
            XCTAssertTrue(text.contains("ends at byte \(cut)"), text)
            XCTAssertTrue(text.contains("contiguous"), text)
        }
    }
}
