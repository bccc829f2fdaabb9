import CHDF5
import Foundation

/// Reading and writing strings in any of HDF5's four storages (fixed or variable length, ASCII or UTF-8),
/// shared by string datasets and string attributes. `transfer` performs the actual H5Dread/H5Aread or
/// H5Dwrite/H5Awrite with the given memory type and buffer.
enum StringIO {
    /// Reads `count` strings stored with `fileType`; `space` describes the buffer (for reclaiming).
    static func read(
        count: Int, fileType: hid_t, space: hid_t, operation: String, path: String,
        transfer: (hid_t, UnsafeMutableRawPointer?) -> herr_t
    ) throws -> [String] {
        guard count > 0 else { return [] }
        let padding = H5Tget_strpad(fileType)
        if H5Tis_variable_str(fileType) > 0 {
            let memoryType = H5Tcopy(CHDF5_T_C_S1())
            defer { H5Tclose(memoryType) }
            H5Tset_size(memoryType, CHDF5_T_VARIABLE())
            H5Tset_cset(memoryType, H5Tget_cset(fileType))
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            _ = try pointers.withUnsafeMutableBytes { buffer in
                try checked(transfer(memoryType, buffer.baseAddress), operation, path)
            }
            let strings = pointers.map { pointer in pointer.map { String(cString: $0) } ?? "" }
            pointers.withUnsafeMutableBytes { buffer in
                _ = H5Dvlen_reclaim(memoryType, space, CHDF5_P_DEFAULT(), buffer.baseAddress)
            }
            return strings
        }
        let size = H5Tget_size(fileType)
        let memoryType = H5Tcopy(fileType)
        defer { H5Tclose(memoryType) }
        var bytes = [UInt8](repeating: 0, count: count * size)
        _ = try bytes.withUnsafeMutableBytes { buffer in
            try checked(transfer(memoryType, buffer.baseAddress), operation, path)
        }
        return (0..<count).map { index in
            var slice = bytes[(index * size)..<((index + 1) * size)]
            if let nul = slice.firstIndex(of: 0) { slice = slice[..<nul] }
            if padding == H5T_STR_SPACEPAD {
                while let last = slice.last, last == 0x20 { slice = slice.dropLast() }
            }
            return String(decoding: slice, as: UTF8.self)
        }
    }

    /// Writes `strings` as `stringType` (the stored type is `fileType`).
    static func write(
        _ strings: [String], stringType: StringType, fileType: hid_t, operation: String, path: String,
        transfer: (hid_t, UnsafeRawPointer?) -> herr_t
    ) throws {
        guard !strings.isEmpty else { return }
        if let length = stringType.fixedLength {
            let size = max(1, length)
            var bytes = [UInt8](repeating: 0, count: strings.count * size)
            for (index, string) in strings.enumerated() {
                let utf8 = Array(string.utf8)
                guard utf8.count <= size else {
                    throw HDF5Error(
                        .invalidArgument, operation: operation, path: path,
                        messages: ["string \(index) has \(utf8.count) bytes, more than the fixed length \(size)"])
                }
                bytes.replaceSubrange((index * size)..<(index * size + utf8.count), with: utf8)
            }
            _ = try bytes.withUnsafeBytes { buffer in
                try checked(transfer(fileType, buffer.baseAddress), operation, path)
            }
            return
        }
        var pointers = strings.map { strdup($0) }
        defer { for pointer in pointers { free(pointer) } }
        _ = try pointers.withUnsafeMutableBytes { buffer in
            try checked(transfer(fileType, buffer.baseAddress), operation, path)
        }
    }
}

extension Dataset {
    /// Reads a 1-D (or any-rank, flattened) string dataset, fixed- or variable-length, ASCII or UTF-8.
    public func readStrings() throws -> [String] {
        HDF5Library.prepareThread()
        let fileType = try checked(H5Dget_type(id), "get type of", qualifiedPath)
        defer { H5Tclose(fileType) }
        guard H5Tget_class(fileType) == H5T_STRING else {
            throw HDF5Error(
                .mismatch, operation: "read strings of", path: qualifiedPath,
                messages: ["stored type \(ElementType.of(fileType)) is not a string"])
        }
        let space = try checked(H5Dget_space(id), "get dataspace of", qualifiedPath)
        defer { H5Sclose(space) }
        let count = Int(H5Sget_simple_extent_npoints(space))
        return try StringIO.read(
            count: count, fileType: fileType, space: space, operation: "read strings of", path: qualifiedPath
        ) { memoryType, buffer in
            H5Dread(id, memoryType, CHDF5_S_ALL(), CHDF5_S_ALL(), CHDF5_P_DEFAULT(), buffer)
        }
    }

    /// Writes all strings of a string dataset created with `createDataset(_:type: .string(...), ...)`.
    public func writeStrings(_ strings: [String]) throws {
        HDF5Library.prepareThread()
        guard case .string(let stringType) = try elementType else {
            throw HDF5Error(
                .mismatch, operation: "write strings to", path: qualifiedPath, messages: ["not a string dataset"])
        }
        let count = try elementCount
        guard strings.count == count else {
            throw invalid("write strings to", "\(strings.count) strings for \(count) elements")
        }
        let fileType = try checked(H5Dget_type(id), "get type of", qualifiedPath)
        defer { H5Tclose(fileType) }
        try StringIO.write(
            strings, stringType: stringType, fileType: fileType, operation: "write strings to", path: qualifiedPath
        ) { memoryType, buffer in
            H5Dwrite(id, memoryType, CHDF5_S_ALL(), CHDF5_S_ALL(), CHDF5_P_DEFAULT(), buffer)
        }
    }
}
