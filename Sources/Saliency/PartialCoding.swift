/// Byte layout shared by every partial (version 1), all integers and floats little-endian:
///
/// | bytes | field |
/// | --- | --- |
/// | 4 | magic `SALP` |
/// | 2 | format version (`PartialEncoder.formatVersion`) |
/// | 2 | kind tag (`PartialKind`) |
/// | 8 | payload length in bytes |
/// | n | payload: the type's fields in declaration order; arrays are a UInt64 count then the elements |
///
/// Doubles are written as their IEEE-754 bit patterns, so a round trip is exact.
public struct PartialEncoder {
    /// The layout version written and the only one read.
    public static let formatVersion: UInt16 = 1
    static let magic: [UInt8] = Array("SALP".utf8)
    static let headerSize = 16

    private var payload: [UInt8] = []
    private let kind: PartialKind

    /// Starts the bytes of a partial of `kind`.
    public init(kind: PartialKind) { self.kind = kind }

    /// Appends an unsigned 64-bit integer.
    public mutating func write(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { payload.append(contentsOf: $0) }
    }

    /// Appends a signed integer as 64 bits.
    public mutating func write(_ value: Int) { write(UInt64(bitPattern: Int64(value))) }

    /// Appends a Double as its bit pattern.
    public mutating func write(_ value: Double) { write(value.bitPattern) }

    /// Appends a Double array, count first.
    public mutating func write(_ values: [Double]) {
        write(UInt64(values.count))
        #if _endian(little)
            // The bit patterns in memory are already the little-endian bytes: one copy, not one append per
            // value (serialising a scan's 96 MB of pooled rows into KSG tasks took a fifth of a phase boundary).
            values.withUnsafeBytes { payload.append(contentsOf: $0) }
        #else
            payload.reserveCapacity(payload.count + values.count * 8)
            for value in values { write(value.bitPattern) }
        #endif
    }

    /// Appends an Int array (as Int64), count first.
    public mutating func write(_ values: [Int]) {
        write(UInt64(values.count))
        payload.reserveCapacity(payload.count + values.count * 8)
        for value in values { write(value) }
    }

    /// The finished bytes: header then payload.
    public func bytes() -> [UInt8] {
        var out = PartialEncoder.magic
        out.reserveCapacity(PartialEncoder.headerSize + payload.count)
        withUnsafeBytes(of: PartialEncoder.formatVersion.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: kind.rawValue.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: payload)
        return out
    }
}

/// Why bytes could not be read back as a partial.
public enum PartialDecodingError: Error, Equatable, CustomStringConvertible {
    /// Fewer bytes than the header or a field needs.
    case truncated(needed: Int, available: Int, at: Int)
    /// The first four bytes are not `SALP`.
    case badMagic
    /// A layout version this build does not read.
    case unsupportedVersion(UInt16)
    /// The bytes hold another kind of partial (or an unknown tag).
    case wrongKind(expected: UInt16, found: UInt16)
    /// The header's payload length disagrees with the bytes present.
    case lengthMismatch(declared: UInt64, actual: Int)
    /// Bytes left over after the last field.
    case trailingBytes(Int)
    /// A field holds a value the type cannot have (negative count, shapes that disagree, ...).
    case invalidField(String)

    public var description: String {
        switch self {
        case .truncated(let needed, let available, let at):
            return "partial bytes truncated: needed \(needed) at offset \(at), \(available) available"
        case .badMagic: return "not a Salience partial (bad magic)"
        case .unsupportedVersion(let version): return "unsupported partial format version \(version)"
        case .wrongKind(let expected, let found):
            return "wrong partial kind: expected tag \(expected), found \(found)"
        case .lengthMismatch(let declared, let actual):
            return "partial payload length \(declared) declared, \(actual) present"
        case .trailingBytes(let count): return "\(count) unexpected bytes after the partial's last field"
        case .invalidField(let message): return "invalid partial field: \(message)"
        }
    }
}

/// Reads the fields of a partial written by `PartialEncoder`, checking every length.
public struct PartialDecoder {
    private let bytes: [UInt8]
    private var offset: Int

    /// Checks the header of `bytes` (magic, version, kind, payload length) and positions at the payload.
    public init(_ bytes: [UInt8], kind: PartialKind) throws {
        let header = PartialEncoder.headerSize
        guard bytes.count >= header else {
            throw PartialDecodingError.truncated(needed: header, available: bytes.count, at: 0)
        }
        guard Array(bytes[0..<4]) == PartialEncoder.magic else { throw PartialDecodingError.badMagic }
        let version = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        guard version == PartialEncoder.formatVersion else { throw PartialDecodingError.unsupportedVersion(version) }
        let tag = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
        guard tag == kind.rawValue else { throw PartialDecodingError.wrongKind(expected: kind.rawValue, found: tag) }
        var length: UInt64 = 0
        for index in 0..<8 { length |= UInt64(bytes[8 + index]) << (8 * UInt64(index)) }
        guard length == UInt64(bytes.count - header) else {
            throw PartialDecodingError.lengthMismatch(declared: length, actual: bytes.count - header)
        }
        self.bytes = bytes
        self.offset = header
    }

    private mutating func need(_ count: Int) throws {
        guard count >= 0, bytes.count - offset >= count else {
            throw PartialDecodingError.truncated(needed: count, available: bytes.count - offset, at: offset)
        }
    }

    /// Reads an unsigned 64-bit integer.
    public mutating func readUInt64() throws -> UInt64 {
        try need(8)
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return value
    }

    /// Reads a signed integer written by `write(_: Int)`.
    public mutating func readInt() throws -> Int { Int(Int64(bitPattern: try readUInt64())) }

    /// Reads a non-negative integer no larger than `limit`, naming `field` when it is not.
    public mutating func readCount(_ field: String, limit: Int = Int(Int32.max)) throws -> Int {
        let value = try readInt()
        guard value >= 0, value <= limit else {
            throw PartialDecodingError.invalidField("\(field) = \(value) outside 0...\(limit)")
        }
        return value
    }

    /// Reads a Double.
    public mutating func readDouble() throws -> Double { Double(bitPattern: try readUInt64()) }

    /// Reads a Double array whose count must be `expected`.
    public mutating func readDoubles(expected: Int, field: String) throws -> [Double] {
        let count = try readUInt64()
        guard count == UInt64(expected) else {
            throw PartialDecodingError.invalidField("\(field) has \(count) values, expected \(expected)")
        }
        try need(expected * 8)
        let start = offset
        let values = [Double](unsafeUninitializedCapacity: expected) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                #if _endian(little)
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(
                        from: UnsafeRawBufferPointer(rebasing: raw[start..<start + expected * 8]))
                #else
                    for index in 0..<expected {
                        let bits = UInt64(
                            littleEndian: raw.loadUnaligned(fromByteOffset: start + index * 8, as: UInt64.self))
                        buffer[index] = Double(bitPattern: bits)
                    }
                #endif
            }
            initialized = expected
        }
        offset += expected * 8
        return values
    }

    /// Reads an Int array whose count must be `expected`.
    public mutating func readInts(expected: Int, field: String) throws -> [Int] {
        let count = try readUInt64()
        guard count == UInt64(expected) else {
            throw PartialDecodingError.invalidField("\(field) has \(count) values, expected \(expected)")
        }
        try need(expected * 8)
        var values = [Int](repeating: 0, count: expected)
        bytes.withUnsafeBytes { raw in
            for index in 0..<expected {
                let bits = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset + index * 8, as: UInt64.self))
                values[index] = Int(Int64(bitPattern: bits))
            }
        }
        offset += expected * 8
        return values
    }

    /// Throws when bytes remain after the last field.
    public func finish() throws {
        guard offset == bytes.count else { throw PartialDecodingError.trailingBytes(bytes.count - offset) }
    }
}
