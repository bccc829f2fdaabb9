import CHDF5

/// How strings are stored: variable-length or a fixed byte length, ASCII or UTF-8.
public struct StringType: Equatable, Sendable {
    /// The character set recorded in the file.
    public enum Encoding: Equatable, Sendable {
        /// 7-bit ASCII (`H5T_CSET_ASCII`).
        case ascii
        /// UTF-8 (`H5T_CSET_UTF8`), what h5py writes by default.
        case utf8
    }

    /// The fixed length in bytes, or nil for variable-length strings.
    public var fixedLength: Int?
    /// The character set.
    public var encoding: Encoding

    /// Creates a string type; `fixedLength` nil means variable-length.
    public init(fixedLength: Int? = nil, encoding: Encoding = .utf8) {
        self.fixedLength = fixedLength
        self.encoding = encoding
    }

    /// Variable-length UTF-8: what h5py writes for Python `str`.
    public static let variableUTF8 = StringType(fixedLength: nil, encoding: .utf8)
    /// Variable-length ASCII.
    public static let variableASCII = StringType(fixedLength: nil, encoding: .ascii)
}

/// The element type of a dataset or attribute as stored in the file.
public enum ElementType: Equatable, Sendable {
    case int8, uint8, int16, uint16, int32, uint32, int64, uint64
    /// IEEE half precision (h5py's `float16`); read it as `Float`, HDF5 converts.
    case float16
    case float32, float64
    /// Strings of the given storage.
    case string(StringType)
    /// A type this module does not map (compound, enum, ...), with HDF5's class name.
    case other(String)

    /// Whether values are floating point.
    public var isFloatingPoint: Bool { self == .float16 || self == .float32 || self == .float64 }

    /// Whether values are integers.
    public var isInteger: Bool {
        switch self {
        case .int8, .uint8, .int16, .uint16, .int32, .uint32, .int64, .uint64: return true
        default: return false
        }
    }

    /// A new HDF5 datatype for storing this type in a file (little-endian, as h5py writes); caller closes.
    func makeFileType() -> hid_t {
        switch self {
        case .float16:
            // IEEE binary16: sign bit 15, exponent bits 10..14 (bias 15), mantissa bits 0..9, as h5py defines it.
            let type = H5Tcopy(CHDF5_T_IEEE_F32LE())
            H5Tset_fields(type, 15, 10, 5, 0, 10)
            H5Tset_size(type, 2)
            H5Tset_ebias(type, 15)
            return type
        case .float32: return H5Tcopy(CHDF5_T_IEEE_F32LE())
        case .float64: return H5Tcopy(CHDF5_T_IEEE_F64LE())
        case .int64: return H5Tcopy(CHDF5_T_STD_I64LE())
        case .uint8: return H5Tcopy(CHDF5_T_STD_U8LE())
        case .string(let stringType): return makeStringType(stringType)
        case .other: return -1
        default: return H5Tcopy(nativeType(self))
        }
    }

    /// Reads the element type of an HDF5 datatype.
    static func of(_ type: hid_t) -> ElementType {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            switch size {
            case 2: return .float16
            case 4: return .float32
            case 8: return .float64
            default: return .other("float of \(size) bytes")
            }
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) != H5T_SGN_NONE
            switch (size, signed) {
            case (1, true): return .int8
            case (1, false): return .uint8
            case (2, true): return .int16
            case (2, false): return .uint16
            case (4, true): return .int32
            case (4, false): return .uint32
            case (8, true): return .int64
            case (8, false): return .uint64
            default: return .other("integer of \(size) bytes")
            }
        case H5T_STRING:
            let encoding: StringType.Encoding = H5Tget_cset(type) == H5T_CSET_UTF8 ? .utf8 : .ascii
            let variable = H5Tis_variable_str(type) > 0
            return .string(StringType(fixedLength: variable ? nil : Int(size), encoding: encoding))
        case H5T_COMPOUND: return .other("compound")
        case H5T_ENUM: return .other("enum")
        case H5T_ARRAY: return .other("array")
        case H5T_VLEN: return .other("variable-length sequence")
        case H5T_OPAQUE: return .other("opaque")
        case H5T_BITFIELD: return .other("bitfield")
        case H5T_REFERENCE: return .other("reference")
        default: return .other("unknown")
        }
    }
}

/// A new string datatype (caller closes). Fixed-length strings are NUL-padded, as numpy's `S` dtype is.
func makeStringType(_ stringType: StringType) -> hid_t {
    let type = H5Tcopy(CHDF5_T_C_S1())
    if let length = stringType.fixedLength {
        H5Tset_size(type, max(1, length))
        H5Tset_strpad(type, H5T_STR_NULLPAD)
    } else {
        H5Tset_size(type, CHDF5_T_VARIABLE())
    }
    H5Tset_cset(type, stringType.encoding == .utf8 ? H5T_CSET_UTF8 : H5T_CSET_ASCII)
    return type
}

/// The library's native in-memory type for a numeric element type (not to be closed).
func nativeType(_ type: ElementType) -> hid_t {
    switch type {
    case .int8: return CHDF5_T_NATIVE_INT8()
    case .uint8: return CHDF5_T_NATIVE_UINT8()
    case .int16: return CHDF5_T_NATIVE_INT16()
    case .uint16: return CHDF5_T_NATIVE_UINT16()
    case .int32: return CHDF5_T_NATIVE_INT32()
    case .uint32: return CHDF5_T_NATIVE_UINT32()
    case .int64: return CHDF5_T_NATIVE_INT64()
    case .uint64: return CHDF5_T_NATIVE_UINT64()
    case .float16, .float32: return CHDF5_T_NATIVE_FLOAT()
    case .float64: return CHDF5_T_NATIVE_DOUBLE()
    case .string, .other: return -1
    }
}

/// A Swift number type that datasets and attributes can be read into and written from. HDF5 converts
/// between the stored type and this one (e.g. float16 on disk is read as `Float`, int32 as `Int64`). Plain
/// bits (`BitwiseCopyable`), so buffers of them are allocated and zeroed as raw memory: generic code outside
/// this module is not specialised, and copying a zero into each element through the type's value witnesses
/// cost more than reading the dataset.
public protocol NativeElement: BitwiseCopyable {
    /// The element type whose native in-memory layout this Swift type has.
    static var nativeElementType: ElementType { get }
    /// A zero value, for allocating buffers.
    static var zeroElement: Self { get }
}

extension Float: NativeElement {
    /// `.float32`.
    public static var nativeElementType: ElementType { .float32 }
    /// 0.
    public static var zeroElement: Float { 0 }
}

extension Double: NativeElement {
    /// `.float64`.
    public static var nativeElementType: ElementType { .float64 }
    /// 0.
    public static var zeroElement: Double { 0 }
}

extension Int64: NativeElement {
    /// `.int64`.
    public static var nativeElementType: ElementType { .int64 }
    /// 0.
    public static var zeroElement: Int64 { 0 }
}

extension Int: NativeElement {
    /// `.int64` (Int is 64-bit on every platform Salience runs on).
    public static var nativeElementType: ElementType { .int64 }
    /// 0.
    public static var zeroElement: Int { 0 }
}

extension Int32: NativeElement {
    /// `.int32`.
    public static var nativeElementType: ElementType { .int32 }
    /// 0.
    public static var zeroElement: Int32 { 0 }
}

extension UInt8: NativeElement {
    /// `.uint8`.
    public static var nativeElementType: ElementType { .uint8 }
    /// 0.
    public static var zeroElement: UInt8 { 0 }
}

extension Int8: NativeElement {
    /// `.int8`.
    public static var nativeElementType: ElementType { .int8 }
    /// 0.
    public static var zeroElement: Int8 { 0 }
}
