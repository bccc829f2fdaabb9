import CHDF5
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// How a contiguous (unchunked) 2-D float dataset can be read without libhdf5: its values are one run of
/// the file, row after row, so rows are a `pread` from the file descriptor libhdf5 already has open.
///
/// Why: h5py writes a dataset contiguously when no chunks or filter are asked for, the layout numpy users
/// get by default. Through `H5Dread` every read holds libhdf5's global lock for the whole copy, so the
/// threads of a pass read one at a time; a `pread` runs on every core at once, needs no lock and lands in
/// the caller's buffer directly when every column is read.
///
/// It covers float32 and IEEE float16, little-endian, in a file opened with the default (sec2) driver and
/// without a user block (so the dataset's address is its offset in the file). Anything else has no plan
/// and is read through `H5Dread` as before.
struct ContiguousPlan: Equatable {
    /// Rows, columns and element size, as checked by `FloatMatrixShape`.
    var shape: FloatMatrixShape
    var rows: Int { shape.rows }
    var columns: Int { shape.columns }
    /// Bytes per stored element: 4 (float32) or 2 (float16).
    var elementSize: Int { shape.elementSize }
    /// Where the first value is, in bytes from the start of the file.
    var address: Int
    /// The file descriptor libhdf5 reads the file through (owned by libhdf5; valid while the file is open).
    var descriptor: Int32

    /// The plan for `dataset`, or nil when it is not a contiguous float dataset this reader can read.
    static func make(for dataset: hid_t) -> ContiguousPlan? {
        let creation = H5Dget_create_plist(dataset)
        guard creation >= 0 else { return nil }
        defer { H5Pclose(creation) }
        guard H5Pget_layout(creation) == H5D_CONTIGUOUS, H5Pget_external_count(creation) == 0 else { return nil }

        guard let shape = FloatMatrixShape.of(dataset) else { return nil }

        // Never written (no storage yet): the fill value is HDF5's to supply.
        let address = H5Dget_offset(dataset)
        guard address != CHDF5_ADDR_UNDEF(), address < UInt64(Int.max) else { return nil }

        let file = H5Iget_file_id(dataset)
        guard file >= 0 else { return nil }
        defer { H5Fclose(file) }
        let fileCreation = H5Fget_create_plist(file)
        guard fileCreation >= 0 else { return nil }
        defer { H5Pclose(fileCreation) }
        var userBlock: hsize_t = 0
        guard H5Pget_userblock(fileCreation, &userBlock) >= 0, userBlock == 0 else { return nil }
        let access = H5Fget_access_plist(file)
        guard access >= 0 else { return nil }
        defer { H5Pclose(access) }
        guard H5Pget_driver(access) == CHDF5_FD_SEC2() else { return nil }
        var handle: UnsafeMutableRawPointer?
        guard H5Fget_vfd_handle(file, access, &handle) >= 0, let handle else { return nil }
        return ContiguousPlan(shape: shape, address: Int(address), descriptor: handle.load(as: Int32.self))
    }
}

extension Dataset {
    /// Reads rows `rows` of `columns` (any order, repeats allowed) into `output`, row-major
    /// `[rows.count, columns.count]`, with `pread`: straight into `output` when the columns are all of them
    /// in order, else the rows whole into a scratch buffer and the columns copied out.
    func readContiguous(
        plan: ContiguousPlan, rows: Range<Int>, columns: [Int], into output: UnsafeMutablePointer<Float>
    ) throws {
        guard !rows.isEmpty, !columns.isEmpty else { return }
        let rowBytes = plan.columns * plan.elementSize
        let offset = plan.address + rows.lowerBound * rowBytes
        let byteCount = rows.count * rowBytes
        if plan.elementSize == 4 && columns.count == plan.columns && columns.elementsEqual(0..<plan.columns) {
            try readFully(plan, into: UnsafeMutableRawPointer(output), byteCount: byteCount, at: offset, rows: rows)
            return
        }
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: byteCount, alignment: 64)
        defer { scratch.deallocate() }
        try readFully(plan, into: scratch, byteCount: byteCount, at: offset, rows: rows)
        let width = columns.count
        if plan.elementSize == 4 {
            let values = scratch.assumingMemoryBound(to: Float.self)
            for row in 0..<rows.count {
                let source = values + row * plan.columns
                let target = output + row * width
                for (index, column) in columns.enumerated() { target[index] = source[column] }
            }
        } else {
            let halves = scratch.assumingMemoryBound(to: UInt16.self)
            for row in 0..<rows.count {
                let source = halves + row * plan.columns
                let target = output + row * width
                for (index, column) in columns.enumerated() {
                    target[index] = Float(Float16(bitPattern: UInt16(littleEndian: source[column])))
                }
            }
        }
    }

    /// `pread` until `byteCount` bytes are in, or throws naming the rows, the file offset and errno (a file
    /// cut short since it was opened ends early and says so).
    private func readFully(
        _ plan: ContiguousPlan, into target: UnsafeMutableRawPointer, byteCount: Int, at offset: Int,
        rows: Range<Int>
    ) throws {
        var done = 0
        while done < byteCount {
            let got = pread(plan.descriptor, target + done, byteCount - done, off_t(offset + done))
            if got > 0 {
                done += got
                continue
            }
            if got < 0 && errno == EINTR { continue }
            let reason =
                got == 0
                ? "the file ends at byte \(offset + done), inside the dataset (truncated since it was opened?)"
                : "pread failed at byte \(offset + done): \(String(cString: strerror(errno))) (errno \(errno))"
            throw HDF5Error(
                .library, operation: "read rows \(rows.lowerBound)..<\(rows.upperBound) of", path: qualifiedPath,
                messages: [reason])
        }
    }
}
