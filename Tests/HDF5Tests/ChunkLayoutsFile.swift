import Foundation
import TestSupport
import XCTest

/// Writes the file of h5py layouts (`Python/write_chunk_layouts.py`) the direct-read tests read, or skips the
/// test when there is no reference Python venv.
func writeChunkLayouts(to file: URL) throws {
    let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/HDF5Tests/Python/write_chunk_layouts.py")
    guard let python = TestEnvironment.referencePython else {
        throw XCTSkip("no reference Python venv (run ops/python-env and set SALIENCE_PYTHON)")
    }
    let result = try runProcess(python, [script.path, file.path])
    XCTAssertEqual(result.status, 0, result.stderr)
}
