import Foundation

/// Doubles as little-endian bytes (their bit patterns, so a round trip is exact) and back.
public enum DoubleBytes {
    /// The bytes of `values`.
    public static func encode(_ values: [Double]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(values.count * 8)
        for value in values {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { out.append(contentsOf: $0) }
        }
        return out
    }

    /// The doubles of `data`; throws when its length is not a multiple of 8, naming `what` it was.
    public static func decode(_ data: Data, what: String) throws -> [Double] {
        guard data.count % 8 == 0 else { throw DoubleBytesError(what: what, byteCount: data.count) }
        var out = [Double]()
        out.reserveCapacity(data.count / 8)
        data.withUnsafeBytes { raw in
            for index in 0..<(data.count / 8) {
                let bits = raw.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)
                out.append(Double(bitPattern: UInt64(littleEndian: bits)))
            }
        }
        return out
    }
}

/// Bytes that are not a whole number of Float64 values.
public struct DoubleBytesError: Error, CustomStringConvertible, Sendable {
    /// What the bytes were meant to be (e.g. "PCA mean").
    public var what: String
    /// How many bytes there were.
    public var byteCount: Int

    public var description: String { "\(what): \(byteCount) bytes is not a whole number of doubles" }
}
