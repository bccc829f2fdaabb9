/// Why bytes could not be read back as `AttributionStatistics`. The cases mirror Saliency's
/// `PartialDecodingError`, since the bytes use the same framing.
public enum AttributionStatisticsDecodingError: Error, Equatable, CustomStringConvertible {
    /// Fewer bytes than the header or a field needs.
    case truncated(needed: Int, available: Int, at: Int)
    /// The first four bytes are not `SALP`.
    case badMagic
    /// A layout version this build does not read.
    case unsupportedVersion(UInt16)
    /// The bytes hold another kind of partial.
    case wrongKind(expected: UInt16, found: UInt16)
    /// The header's payload length disagrees with the bytes present.
    case lengthMismatch(declared: UInt64, actual: Int)
    /// Bytes left over after the last field.
    case trailingBytes(Int)
    /// A field holds a value the statistics cannot have (negative moment, NaN, absurd size).
    case invalidField(String)

    /// One sentence naming what went wrong.
    public var description: String {
        switch self {
        case .truncated(let needed, let available, let at):
            return "attribution statistics truncated: needed \(needed) bytes at offset \(at), \(available) available"
        case .badMagic: return "not a Salience partial (bad magic)"
        case .unsupportedVersion(let version): return "unsupported partial format version \(version)"
        case .wrongKind(let expected, let found):
            return "wrong partial kind: expected tag \(expected) (attribution statistics), found \(found)"
        case .lengthMismatch(let declared, let actual):
            return "partial payload length \(declared) declared, \(actual) present"
        case .trailingBytes(let count): return "\(count) unexpected bytes after the attribution statistics"
        case .invalidField(let message): return "invalid attribution statistics field: \(message)"
        }
    }
}

/// The byte form: the framing every Salience partial uses (Saliency's `PartialEncoder`, version 1), all
/// little-endian — magic `SALP`, UInt16 format version, UInt16 kind tag (`partialKindTag`), UInt64 payload
/// length — then the payload: width D, output count K, utterance count (Int64 each), the K output indices,
/// and the Float64 arrays |c| mean [K·D], |c| M2 [K·D], signed sum [K·D], frame |a| sum [K·D], |delta| sum
/// [K], |delta| max [K]; every array is a UInt64 count then its elements. Doubles are stored as their bit
/// patterns, so a round trip is exact.
extension AttributionStatistics {
    /// The framing version written and the only one read (Saliency's `PartialEncoder.formatVersion`).
    public static let formatVersion: UInt16 = 1
    /// The kind tag in the framing header. Saliency's `PartialKind` numbers its own partials from 1; 256 keeps
    /// attribution statistics clear of them.
    public static let partialKindTag: UInt16 = 256
    static let magic: [UInt8] = Array("SALP".utf8)
    static let headerSize = 16
    /// Widths and output counts above this are refused as garbage (Saliency's `readCount` default limit).
    static let sizeLimit = Int(Int32.max)

    /// The serialised statistics.
    public var bytes: [UInt8] {
        var payload: [UInt8] = []
        payload.reserveCapacity(8 * (5 + 2 * outputs.count + 4 * absoluteMean.count + 8))
        func write(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { payload += $0 } }
        func write(_ value: Int) { write(UInt64(bitPattern: Int64(value))) }
        write(width)
        write(outputs.count)
        write(count)
        write(UInt64(outputs.count))
        for output in outputs { write(output) }
        for array in [absoluteMean, absoluteM2, signedSum, frameAbsoluteSum, deltaAbsoluteSum, deltaAbsoluteMax] {
            write(UInt64(array.count))
            for value in array { write(value.bitPattern) }
        }
        var out = Self.magic
        withUnsafeBytes(of: Self.formatVersion.littleEndian) { out += $0 }
        withUnsafeBytes(of: Self.partialKindTag.littleEndian) { out += $0 }
        withUnsafeBytes(of: UInt64(payload.count).littleEndian) { out += $0 }
        return out + payload
    }

    /// Reads statistics written by `bytes`.
    /// - Throws: `AttributionStatisticsDecodingError` naming what is wrong; never traps on garbage.
    public init(bytes: [UInt8]) throws {
        var reader = try PayloadReader(bytes)
        let width = try reader.count("width", limit: Self.sizeLimit)
        let outputCount = try reader.count("output count", limit: Self.sizeLimit)
        let count = try reader.count("utterance count", limit: Int.max)
        let (cells, overflow) = width.multipliedReportingOverflow(by: outputCount)
        guard !overflow, cells <= bytes.count / 8 else {
            throw AttributionStatisticsDecodingError.invalidField("D=\(width) x K=\(outputCount) exceeds the bytes")
        }
        let outputs = try reader.ints(expected: outputCount, field: "outputs")
        if let bad = outputs.first(where: { $0 < 0 }) {
            throw AttributionStatisticsDecodingError.invalidField("output index \(bad) is negative")
        }
        self.init(
            width: width, outputs: outputs, count: count,
            absoluteMean: try reader.doubles(expected: cells, field: "|c| mean", nonNegative: true),
            absoluteM2: try reader.doubles(expected: cells, field: "|c| M2", nonNegative: true),
            signedSum: try reader.doubles(expected: cells, field: "signed sum", nonNegative: false),
            frameAbsoluteSum: try reader.doubles(expected: cells, field: "frame |a| sum", nonNegative: true),
            deltaAbsoluteSum: try reader.doubles(expected: outputCount, field: "|delta| sum", nonNegative: true),
            deltaAbsoluteMax: try reader.doubles(expected: outputCount, field: "|delta| max", nonNegative: true))
        try reader.finish()
    }
}

/// Reads the payload of a partial framed as above, checking the header and every length first.
private struct PayloadReader {
    private let bytes: [UInt8]
    private var offset: Int

    init(_ bytes: [UInt8]) throws {
        let header = AttributionStatistics.headerSize
        guard bytes.count >= header else {
            throw AttributionStatisticsDecodingError.truncated(needed: header, available: bytes.count, at: 0)
        }
        guard Array(bytes[0..<4]) == AttributionStatistics.magic else {
            throw AttributionStatisticsDecodingError.badMagic
        }
        let version = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        guard version == AttributionStatistics.formatVersion else {
            throw AttributionStatisticsDecodingError.unsupportedVersion(version)
        }
        let tag = UInt16(bytes[6]) | UInt16(bytes[7]) << 8
        guard tag == AttributionStatistics.partialKindTag else {
            throw AttributionStatisticsDecodingError.wrongKind(
                expected: AttributionStatistics.partialKindTag, found: tag)
        }
        var length: UInt64 = 0
        for index in 0..<8 { length |= UInt64(bytes[8 + index]) << (8 * UInt64(index)) }
        guard length == UInt64(bytes.count - header) else {
            throw AttributionStatisticsDecodingError.lengthMismatch(declared: length, actual: bytes.count - header)
        }
        self.bytes = bytes
        offset = header
    }

    private func need(_ count: Int) throws {
        guard count >= 0, bytes.count - offset >= count else {
            throw AttributionStatisticsDecodingError.truncated(
                needed: count, available: bytes.count - offset, at: offset)
        }
    }

    mutating func uint64() throws -> UInt64 {
        try need(8)
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * UInt64(index)) }
        offset += 8
        return value
    }

    mutating func count(_ field: String, limit: Int) throws -> Int {
        let value = Int(Int64(bitPattern: try uint64()))
        guard value >= 0, value <= limit else {
            throw AttributionStatisticsDecodingError.invalidField("\(field) = \(value) outside 0...\(limit)")
        }
        return value
    }

    private mutating func arrayCount(expected: Int, field: String) throws {
        let count = try uint64()
        guard count == UInt64(expected) else {
            throw AttributionStatisticsDecodingError.invalidField("\(field) has \(count) values, expected \(expected)")
        }
        try need(expected * 8)
    }

    mutating func ints(expected: Int, field: String) throws -> [Int] {
        try arrayCount(expected: expected, field: field)
        return try (0..<expected).map { _ in Int(Int64(bitPattern: try uint64())) }
    }

    mutating func doubles(expected: Int, field: String, nonNegative: Bool) throws -> [Double] {
        try arrayCount(expected: expected, field: field)
        var values = [Double](repeating: 0, count: expected)
        for index in 0..<expected {
            let value = Double(bitPattern: try uint64())
            guard value.isFinite, !nonNegative || value >= 0 else {
                throw AttributionStatisticsDecodingError.invalidField("\(field)[\(index)] = \(value)")
            }
            values[index] = value
        }
        return values
    }

    func finish() throws {
        guard offset == bytes.count else {
            throw AttributionStatisticsDecodingError.trailingBytes(bytes.count - offset)
        }
    }
}
