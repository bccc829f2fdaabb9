import Saliency

/// Why bytes could not be read back as `AttributionStatistics`: the same errors as every other partial,
/// since the bytes use Saliency's framing.
public typealias AttributionStatisticsDecodingError = PartialDecodingError

/// The byte form: the framing every Salience partial uses (Saliency's `PartialEncoder`, version 1), all
/// little-endian — magic `SALP`, UInt16 format version, UInt16 kind tag (`partialKindTag`), UInt64 payload
/// length — then the payload: width D, output count K, utterance count (Int64 each), the K output indices,
/// and the Float64 arrays |c| mean [K·D], |c| M2 [K·D], signed sum [K·D], frame |a| sum [K·D], |delta| sum
/// [K], |delta| max [K]; every array is a UInt64 count then its elements. Doubles are stored as their bit
/// patterns, so a round trip is exact.
extension AttributionStatistics {
    /// The framing version written and the only one read (Saliency's `PartialEncoder.formatVersion`).
    public static let formatVersion: UInt16 = PartialEncoder.formatVersion
    /// The kind tag in the framing header.
    public static let partialKindTag: UInt16 = PartialKind.attributionStatistics.rawValue
    /// Widths and output counts above this are refused as garbage (Saliency's `readCount` default limit).
    static let sizeLimit = Int(Int32.max)

    /// The serialised statistics.
    public var bytes: [UInt8] {
        var encoder = PartialEncoder(kind: .attributionStatistics)
        encoder.write(width)
        encoder.write(outputs.count)
        encoder.write(count)
        encoder.write(outputs)
        for array in [absoluteMean, absoluteM2, signedSum, frameAbsoluteSum, deltaAbsoluteSum, deltaAbsoluteMax] {
            encoder.write(array)
        }
        return encoder.bytes()
    }

    /// Reads statistics written by `bytes`.
    /// - Throws: `AttributionStatisticsDecodingError` naming what is wrong; never traps on garbage.
    public init(bytes: [UInt8]) throws {
        var reader = try PartialDecoder(bytes, kind: .attributionStatistics)
        let width = try reader.readCount("width", limit: Self.sizeLimit)
        let outputCount = try reader.readCount("output count", limit: Self.sizeLimit)
        let count = try reader.readCount("utterance count", limit: Int.max)
        let (cells, overflow) = width.multipliedReportingOverflow(by: outputCount)
        guard !overflow, cells <= bytes.count / 8 else {
            throw AttributionStatisticsDecodingError.invalidField("D=\(width) x K=\(outputCount) exceeds the bytes")
        }
        let outputs = try reader.readInts(expected: outputCount, field: "outputs")
        if let bad = outputs.first(where: { $0 < 0 }) {
            throw AttributionStatisticsDecodingError.invalidField("output index \(bad) is negative")
        }
        func doubles(_ expected: Int, _ field: String, nonNegative: Bool) throws -> [Double] {
            let values = try reader.readDoubles(expected: expected, field: field)
            if let index = values.firstIndex(where: { !$0.isFinite || (nonNegative && $0 < 0) }) {
                throw AttributionStatisticsDecodingError.invalidField("\(field)[\(index)] = \(values[index])")
            }
            return values
        }
        self.init(
            width: width, outputs: outputs, count: count,
            absoluteMean: try doubles(cells, "|c| mean", nonNegative: true),
            absoluteM2: try doubles(cells, "|c| M2", nonNegative: true),
            signedSum: try doubles(cells, "signed sum", nonNegative: false),
            frameAbsoluteSum: try doubles(cells, "frame |a| sum", nonNegative: true),
            deltaAbsoluteSum: try doubles(outputCount, "|delta| sum", nonNegative: true),
            deltaAbsoluteMax: try doubles(outputCount, "|delta| max", nonNegative: true))
        try reader.finish()
    }
}
