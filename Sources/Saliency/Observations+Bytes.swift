import Foundation

/// Observations as bytes, exactly (bit patterns): a scan's statistics tasks send their pooled rows this way, so
/// that the KSG tasks estimate MI from them instead of reading every frame of the dataset a second time.
extension Observations {
    /// The bytes: shape, features, targets, then the row keys when known (a count of 0 when not).
    public func serialized() -> [UInt8] {
        var encoder = PartialEncoder(kind: .observations)
        encoder.write(count)
        encoder.write(dimensions)
        encoder.write(targetCount)
        encoder.write(firstDimension)
        encoder.write(features)
        encoder.write(targets)
        encoder.write(rowKeys.map { $0.count } ?? -1)
        for key in rowKeys ?? [] { encoder.write(key) }
        return encoder.bytes()
    }

    /// Reads `serialized()`'s bytes; throws on a wrong kind, a truncated or oversized field, a shape that
    /// does not match, or a value that is not finite.
    public init(serialized bytes: [UInt8]) throws {
        var decoder = try PartialDecoder(bytes, kind: .observations)
        let count = try decoder.readCount("row count", limit: bytes.count)
        let dimensions = try decoder.readCount("dimension count", limit: bytes.count)
        let targetCount = try decoder.readCount("target count", limit: bytes.count)
        let firstDimension = try decoder.readCount("first dimension", limit: Int(Int32.max))
        // Checked by division first: the products must not overflow on hostile bytes.
        guard count <= bytes.count / 8 / max(1, dimensions), count <= bytes.count / 8 / max(1, targetCount) else {
            throw PartialDecodingError.invalidField(
                "\(count) rows of \(dimensions) features and \(targetCount) targets cannot fit in \(bytes.count) bytes")
        }
        let features = try decoder.readDoubles(expected: count * dimensions, field: "features")
        let targets = try decoder.readDoubles(expected: count * targetCount, field: "targets")
        let keyCount = try decoder.readInt()
        var keys: [UInt64]?
        if keyCount >= 0 {
            guard keyCount == count else {
                throw PartialDecodingError.invalidField("\(keyCount) row keys for \(count) rows")
            }
            keys = try (0..<keyCount).map { _ in try decoder.readUInt64() }
        }
        try decoder.finish()
        try self.init(
            features: features, targets: targets, count: count, dimensions: dimensions, targetCount: targetCount,
            firstDimension: firstDimension, rowKeys: keys)
    }
}
