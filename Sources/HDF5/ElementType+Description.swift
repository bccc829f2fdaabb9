/// Element types in words, as a reader of an error message knows them from numpy and h5py (`float32`,
/// `variable-length UTF-8 strings`), not as Swift prints the enum (`string(HDF5.StringType(...))`): shard
/// validation puts these into messages like "labels: has type ..., expected floats (float32)".
extension ElementType: CustomStringConvertible {
    public var description: String {
        switch self {
        case .int8: return "int8"
        case .uint8: return "uint8"
        case .int16: return "int16"
        case .uint16: return "uint16"
        case .int32: return "int32"
        case .uint32: return "uint32"
        case .int64: return "int64"
        case .uint64: return "uint64"
        case .float16: return "float16"
        case .float32: return "float32"
        case .float64: return "float64"
        case .string(let stringType): return stringType.description
        case .other(let name): return "\(name) (neither numbers nor strings)"
        }
    }
}

extension StringType: CustomStringConvertible {
    /// `variable-length UTF-8 strings` or `fixed-length ASCII strings of 8 bytes`.
    public var description: String {
        let charset = encoding == .utf8 ? "UTF-8" : "ASCII"
        guard let length = fixedLength else { return "variable-length \(charset) strings" }
        return "fixed-length \(charset) strings of \(length) byte\(length == 1 ? "" : "s")"
    }
}
