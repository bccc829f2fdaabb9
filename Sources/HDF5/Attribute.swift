import CHDF5

/// The value of an attribute: an integer, float or string, scalar or 1-D array.
/// Integers of any stored width read as `Int`, floats as `Double`; multi-dimensional arrays read flattened.
public enum AttributeValue: Equatable, Sendable {
    case int(Int)
    case float(Double)
    case string(String)
    case ints([Int])
    case floats([Double])
    case strings([String])

    /// The integer of `.int` or of a one-element `.ints`; nil otherwise.
    public var intValue: Int? {
        switch self {
        case .int(let value): return value
        case .ints(let values) where values.count == 1: return values[0]
        default: return nil
        }
    }

    /// The integers of `.ints`, or `[value]` for `.int`.
    public var intValues: [Int]? {
        switch self {
        case .int(let value): return [value]
        case .ints(let values): return values
        default: return nil
        }
    }

    /// The number of `.float`/`.int` (or a one-element array of either).
    public var doubleValue: Double? {
        switch self {
        case .float(let value): return value
        case .floats(let values) where values.count == 1: return values[0]
        default: return intValue.map(Double.init)
        }
    }

    /// The string of `.string` or of a one-element `.strings`.
    public var stringValue: String? {
        switch self {
        case .string(let value): return value
        case .strings(let values) where values.count == 1: return values[0]
        default: return nil
        }
    }

    /// The strings of `.strings`, or `[value]` for `.string`.
    public var stringValues: [String]? {
        switch self {
        case .string(let value): return [value]
        case .strings(let values): return values
        default: return nil
        }
    }
}

extension Location {
    /// Whether an attribute called `name` exists on this object.
    public func hasAttribute(_ name: String) throws -> Bool {
        HDF5Library.prepareThread()
        return try checked(H5Aexists(id, name), "look up attribute \(name) of", qualifiedPath) > 0
    }

    /// The names of this object's attributes, in name order.
    public func attributeNames() throws -> [String] {
        HDF5Library.prepareThread()
        var names: [String] = []
        var index: hsize_t = 0
        _ = try withUnsafeMutablePointer(to: &names) { list in
            try checked(
                H5Aiterate2(
                    id, H5_INDEX_NAME, H5_ITER_INC, &index,
                    { _, name, _, client in
                        guard let name, let client else { return 0 }
                        client.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
                        return 0
                    }, list),
                "list attributes of", qualifiedPath)
        }
        return names
    }

    /// Reads the attribute called `name`.
    public func readAttribute(_ name: String) throws -> AttributeValue {
        HDF5Library.prepareThread()
        let operation = "read attribute \(name) of"
        let attribute = try checked(H5Aopen(id, name, CHDF5_P_DEFAULT()), operation, qualifiedPath)
        defer { H5Aclose(attribute) }
        let fileType = try checked(H5Aget_type(attribute), operation, qualifiedPath)
        defer { H5Tclose(fileType) }
        let space = try checked(H5Aget_space(attribute), operation, qualifiedPath)
        defer { H5Sclose(space) }
        let isScalar = H5Sget_simple_extent_type(space) == H5S_SCALAR
        let count = Int(H5Sget_simple_extent_npoints(space))
        switch H5Tget_class(fileType) {
        case H5T_INTEGER:
            var values = [Int64](repeating: 0, count: count)
            if count > 0 {
                _ = try values.withUnsafeMutableBytes { buffer in
                    try checked(
                        H5Aread(attribute, CHDF5_T_NATIVE_INT64(), buffer.baseAddress), operation, qualifiedPath)
                }
            }
            return isScalar ? .int(Int(values[0])) : .ints(values.map { Int($0) })
        case H5T_FLOAT:
            var values = [Double](repeating: 0, count: count)
            if count > 0 {
                _ = try values.withUnsafeMutableBytes { buffer in
                    try checked(
                        H5Aread(attribute, CHDF5_T_NATIVE_DOUBLE(), buffer.baseAddress), operation, qualifiedPath)
                }
            }
            return isScalar ? .float(values[0]) : .floats(values)
        case H5T_STRING:
            let strings = try StringIO.read(
                count: count, fileType: fileType, space: space, operation: operation, path: qualifiedPath
            ) { memoryType, buffer in H5Aread(attribute, memoryType, buffer) }
            return isScalar ? .string(strings.first ?? "") : .strings(strings)
        default:
            throw HDF5Error(
                .mismatch, operation: operation, path: qualifiedPath,
                messages: ["attribute type \(ElementType.of(fileType)) is not an integer, float or string"])
        }
    }

    /// Writes (creating or replacing) the attribute called `name`. Strings are stored as `strings`
    /// (variable-length UTF-8 by default, like h5py); integers as int64 and floats as float64.
    public func writeAttribute(_ name: String, _ value: AttributeValue, strings: StringType = .variableUTF8) throws {
        HDF5Library.prepareThread()
        let operation = "write attribute \(name) of"
        if try hasAttribute(name) {
            try checked(H5Adelete(id, name), operation, qualifiedPath)
        }
        let count: Int?
        switch value {
        case .int, .float, .string: count = nil
        case .ints(let values): count = values.count
        case .floats(let values): count = values.count
        case .strings(let values): count = values.count
        }
        let space: hid_t
        if let count {
            var dims = [hsize_t(count)]
            space = try checked(H5Screate_simple(1, &dims, nil), operation, qualifiedPath)
        } else {
            space = try checked(H5Screate(H5S_SCALAR), operation, qualifiedPath)
        }
        defer { H5Sclose(space) }
        var stringType = strings
        if stringType.fixedLength != nil, let values = value.stringValues {
            stringType.fixedLength = max(stringType.fixedLength ?? 1, values.map { $0.utf8.count }.max() ?? 1)
        }
        let fileType: hid_t
        switch value {
        case .int, .ints: fileType = H5Tcopy(CHDF5_T_STD_I64LE())
        case .float, .floats: fileType = H5Tcopy(CHDF5_T_IEEE_F64LE())
        case .string, .strings: fileType = makeStringType(stringType)
        }
        defer { H5Tclose(fileType) }
        let attribute = try checked(
            H5Acreate2(id, name, fileType, space, CHDF5_P_DEFAULT(), CHDF5_P_DEFAULT()), operation, qualifiedPath)
        defer { H5Aclose(attribute) }
        switch value {
        case .int(let number):
            var stored = Int64(number)
            try checked(H5Awrite(attribute, CHDF5_T_NATIVE_INT64(), &stored), operation, qualifiedPath)
        case .ints(let numbers):
            let stored = numbers.map { Int64($0) }
            guard !stored.isEmpty else { return }
            _ = try stored.withUnsafeBytes { buffer in
                try checked(H5Awrite(attribute, CHDF5_T_NATIVE_INT64(), buffer.baseAddress), operation, qualifiedPath)
            }
        case .float(let number):
            var stored = number
            try checked(H5Awrite(attribute, CHDF5_T_NATIVE_DOUBLE(), &stored), operation, qualifiedPath)
        case .floats(let numbers):
            guard !numbers.isEmpty else { return }
            _ = try numbers.withUnsafeBytes { buffer in
                try checked(H5Awrite(attribute, CHDF5_T_NATIVE_DOUBLE(), buffer.baseAddress), operation, qualifiedPath)
            }
        case .string(let text):
            try StringIO.write(
                [text], stringType: stringType, fileType: fileType, operation: operation, path: qualifiedPath
            ) { memoryType, buffer in H5Awrite(attribute, memoryType, buffer) }
        case .strings(let texts):
            try StringIO.write(
                texts, stringType: stringType, fileType: fileType, operation: operation, path: qualifiedPath
            ) { memoryType, buffer in H5Awrite(attribute, memoryType, buffer) }
        }
    }
}
