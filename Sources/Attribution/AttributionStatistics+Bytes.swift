/// Why bytes could not be read back as `AttributionStatistics`.
public enum AttributionStatisticsDecodingError: Error, Equatable, CustomStringConvertible {
    /// Fewer bytes than the header or the declared shape needs.
    case truncated(needed: Int, actual: Int)
    /// More bytes than the declared shape holds.
    case trailingBytes(expected: Int, actual: Int)
    /// The bytes do not start with the attribution-statistics magic.
    case badMagic
    /// A format version this build does not read.
    case unsupportedVersion(UInt16)
    /// A header field or a stored value that cannot be right (negative moment, NaN, absurd size).
    case invalidValue(field: String, index: Int)

    public var description: String {
        switch self {
        case .truncated(let needed, let actual):
            return "attribution statistics truncated: \(actual) bytes, needed \(needed)"
        case .trailingBytes(let expected, let actual):
            return "attribution statistics have \(actual) bytes, expected exactly \(expected)"
        case .badMagic: return "bytes are not attribution statistics (bad magic)"
        case .unsupportedVersion(let version):
            return "attribution statistics format version \(version) is not supported (this build reads "
                + "\(AttributionStatistics.formatVersion))"
        case .invalidValue(let field, let index):
            return "attribution statistics: invalid value in \(field) at index \(index)"
        }
    }
}

/// The byte form, version 1, all little-endian: magic "SATR", UInt16 version, UInt16 0, UInt32 width D,
/// UInt32 output count K, UInt64 utterance count, K UInt32 output indices, then Float64 arrays:
/// |c| mean [K·D], |c| M2 [K·D], signed sum [K·D], frame |a| sum [K·D], |delta| sum [K], |delta| max [K].
/// Lossless: decoding what `bytes` produced gives an equal value.
extension AttributionStatistics {
    /// The format version written by `bytes`.
    public static let formatVersion: UInt16 = 1
    static let magic: [UInt8] = Array("SATR".utf8)
    static let headerSize = 4 + 2 + 2 + 4 + 4 + 8

    /// The serialised statistics.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerSize + 4 * outputs.count + 8 * (4 * absoluteMean.count + 2 * outputs.count))
        out += Self.magic
        append(Self.formatVersion, to: &out)
        append(UInt16(0), to: &out)
        append(UInt32(width), to: &out)
        append(UInt32(outputs.count), to: &out)
        append(UInt64(count), to: &out)
        for output in outputs { append(UInt32(output), to: &out) }
        for array in [absoluteMean, absoluteM2, signedSum, frameAbsoluteSum, deltaAbsoluteSum, deltaAbsoluteMax] {
            for value in array { append(value.bitPattern, to: &out) }
        }
        return out
    }

    /// Reads statistics written by `bytes`.
    /// - Throws: `AttributionStatisticsDecodingError` naming what is wrong; never traps on garbage.
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= Self.headerSize else {
            throw AttributionStatisticsDecodingError.truncated(needed: Self.headerSize, actual: bytes.count)
        }
        guard Array(bytes[0..<4]) == Self.magic else { throw AttributionStatisticsDecodingError.badMagic }
        var reader = LittleEndianReader(bytes: bytes, offset: 4)
        let version = UInt16(reader.unsigned(2))
        guard version == Self.formatVersion else {
            throw AttributionStatisticsDecodingError.unsupportedVersion(version)
        }
        _ = reader.unsigned(2)
        let width = Int(reader.unsigned(4))
        let outputCount = Int(reader.unsigned(4))
        let count = reader.unsigned(8)
        guard count <= UInt64(Int.max) else {
            throw AttributionStatisticsDecodingError.invalidValue(field: "count", index: 0)
        }
        // Both are UInt32, so the product of two of them can overflow Int: refuse sizes no array could hold.
        let (cells, overflow) = width.multipliedReportingOverflow(by: outputCount)
        guard !overflow, cells < Int.max / 64 else {
            throw AttributionStatisticsDecodingError.invalidValue(field: "width x outputs", index: 0)
        }
        let needed = Self.headerSize + 4 * outputCount + 8 * (4 * cells + 2 * outputCount)
        guard bytes.count >= needed else {
            throw AttributionStatisticsDecodingError.truncated(needed: needed, actual: bytes.count)
        }
        guard bytes.count == needed else {
            throw AttributionStatisticsDecodingError.trailingBytes(expected: needed, actual: bytes.count)
        }
        let outputs = (0..<outputCount).map { _ in Int(reader.unsigned(4)) }
        func doubles(_ field: String, _ n: Int, nonNegative: Bool) throws -> [Double] {
            var values: [Double] = []
            values.reserveCapacity(n)
            for index in 0..<n {
                let value = Double(bitPattern: reader.unsigned(8))
                guard value.isFinite, !nonNegative || value >= 0 else {
                    throw AttributionStatisticsDecodingError.invalidValue(field: field, index: index)
                }
                values.append(value)
            }
            return values
        }
        self.init(
            width: width, outputs: outputs, count: Int(count),
            absoluteMean: try doubles("absolute mean", cells, nonNegative: true),
            absoluteM2: try doubles("absolute M2", cells, nonNegative: true),
            signedSum: try doubles("signed sum", cells, nonNegative: false),
            frameAbsoluteSum: try doubles("frame absolute sum", cells, nonNegative: true),
            deltaAbsoluteSum: try doubles("delta absolute sum", outputCount, nonNegative: true),
            deltaAbsoluteMax: try doubles("delta absolute max", outputCount, nonNegative: true))
    }

    private func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }
}

/// Reads little-endian unsigned integers from a byte array whose length was checked beforehand.
private struct LittleEndianReader {
    let bytes: [UInt8]
    var offset: Int

    mutating func unsigned(_ size: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<size { value |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        offset += size
        return value
    }
}
