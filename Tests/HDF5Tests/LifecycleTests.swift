import HDF5
import TestSupport
import XCTest

final class LifecycleTests: XCTestCase {
    func testTenThousandOpenCloseCyclesLeakNothing() throws {
        let scratch = try ScratchDirectory("hdf5-leak")
        defer { scratch.remove() }
        let path = scratch.path("l.h5").path
        do {
            let file = try File.create(path)
            try file.writeDataset(
                "d", [Float](repeating: 1, count: 64), shape: [8, 8], layout: .compressed(chunk: [4, 4]))
            try file.writeAttribute("task", .string("regression"))
        }
        let before = HDF5Library.openObjectCount()
        XCTAssertEqual(HDF5Library.openFileCount(), 0)
        for cycle in 0..<10_000 {
            let file = try File.open(path)
            let dataset = try file.openDataset("d")
            _ = try dataset.read(rows: 1..<3, columns: [0, 5], as: Float.self)
            _ = try file.readAttribute("task")
            if cycle % 1000 == 0 {
                XCTAssertEqual(file.openObjectCount, 2)  // the file and the dataset
            }
            // Failures must not leak either.
            XCTAssertThrowsError(try file.openDataset("missing"))
        }
        XCTAssertEqual(HDF5Library.openObjectCount(), before)
        XCTAssertEqual(HDF5Library.openFileCount(), 0)
    }

    func testObjectsCloseWhenReleasedEvenIfFileWentFirst() throws {
        let scratch = try ScratchDirectory("hdf5-close")
        defer { scratch.remove() }
        let path = scratch.path("c.h5").path
        _ = try File.create(path).writeDataset("d", [Float(3)])
        var dataset: Dataset? = try File.open(path).openDataset("d")
        XCTAssertEqual(HDF5Library.openFileCount(), 0)  // no file handle remains...
        XCTAssertEqual(HDF5Library.openObjectCount(), 1)  // ...but the dataset keeps the file readable
        XCTAssertEqual(try dataset?.read(as: Float.self), [3])
        XCTAssertEqual(dataset?.isOpen, true)
        dataset = nil
        XCTAssertEqual(HDF5Library.openObjectCount(), 0)
    }

    func testOpeningMissingAndNonHDF5FilesGivesTypedErrorsWithTheLibraryMessage() throws {
        let scratch = try ScratchDirectory("hdf5-errors")
        defer { scratch.remove() }
        let missing = scratch.path("missing.h5").path
        XCTAssertThrowsError(try File.open(missing)) { error in
            guard let error = error as? HDF5Error else { return XCTFail("\(error)") }
            XCTAssertEqual(error.kind, .library)
            XCTAssertEqual(error.operation, "open file")
            XCTAssertEqual(error.path, missing)
            XCTAssertTrue(error.description.contains("No such file or directory"), error.description)
        }
        let text = scratch.path("text.h5")
        try Data("not hdf5 at all".utf8).write(to: text)
        XCTAssertFalse(File.isHDF5(text.path))
        XCTAssertThrowsError(try File.open(text.path)) { error in
            XCTAssertTrue("\(error)".contains("signature"), "\(error)")
        }
    }

    func testLibraryIsThreadSafeAsDocumented() {
        XCTAssertTrue(HDF5Library.isThreadSafe)
    }
}
