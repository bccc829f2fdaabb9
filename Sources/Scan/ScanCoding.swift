import Cluster
import Foundation
import Numerics
import ScanModel

/// JSON coding of task bodies and results (sorted keys, so equal inputs give equal bytes).
public enum ScanCoding {
    /// The encoder of every scan body.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = NonFiniteJSON.encoding
        encoder.dateEncodingStrategy = ScanDates.encoding
        return encoder
    }

    /// The decoder matching ``encoder()``.
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = NonFiniteJSON.decoding
        decoder.dateDecodingStrategy = ScanDates.decoding
        return decoder
    }

    /// `value` as a payload body with `arrays` frames.
    public static func payload<T: Encodable>(_ value: T, arrays: [[UInt8]] = []) throws -> Payload {
        Payload(body: try encoder().encode(value), arrays: arrays.map { Data($0) })
    }

    /// Decodes a payload body, naming what it was meant to be when it is not.
    public static func decode<T: Decodable>(_ type: T.Type, from payload: Payload, what: String) throws -> T {
        do {
            return try decoder().decode(type, from: payload.body)
        } catch {
            throw ScanError.malformedPayload(what: what, reason: String(describing: error))
        }
    }
}
