import Foundation
import ZeroMQ

/// The framing of cluster/PROTOCOL.md: `header | command | body | frames...` where the header is the
/// 4 bytes `S L C <version>`, the command an ASCII word, the body a UTF-8 JSON object (snake_case keys)
/// and the frames raw bytes (payload bodies and little-endian arrays) that the body describes.
public enum WireProtocol {
    /// The protocol version this build speaks.
    public static let version: UInt8 = 1
    /// The first frame of every message.
    public static let header = Data([0x53, 0x4C, 0x43, version])  // "SLC" + version

    /// Non-finite floats in bodies are the strings `"NaN"`, `"Infinity"`, `"-Infinity"`: the spelling of every
    /// JSON file Salience writes (`Numerics.NonFiniteJSON`; Cluster does not link Numerics, which brings
    /// OpenBLAS, so the spelling is repeated here and a test holds the two together).
    static let nonFiniteEncoding = JSONEncoder.NonConformingFloatEncodingStrategy.convertToString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    static let nonFiniteDecoding = JSONDecoder.NonConformingFloatDecodingStrategy.convertFromString(
        positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.nonConformingFloatEncodingStrategy = nonFiniteEncoding
        return encoder
    }()

    /// For `PlainKeys` bodies (the hot path: TASKS, RESULT, ACK, READY, HEARTBEAT, SUBMIT) no key conversion is
    /// needed, and skipping it saves a string transformation per key per task.
    static let plainEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = nonFiniteEncoding
        return encoder
    }()

    static let plainDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = nonFiniteDecoding
        return decoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.nonConformingFloatDecodingStrategy = nonFiniteDecoding
        return decoder
    }()
}

/// The commands of the protocol (see cluster/PROTOCOL.md for who sends which).
public enum Command: String, Sendable {
    // Worker <-> coordinator.
    case hello = "HELLO"
    case welcome = "WELCOME"
    case ready = "READY"
    case tasks = "TASKS"
    case result = "RESULT"
    case ack = "ACK"
    case heartbeat = "HEARTBEAT"
    case bye = "BYE"
    // Client <-> coordinator.
    case submit = "SUBMIT"
    case submitted = "SUBMITTED"
    case status = "STATUS"
    case workers = "WORKERS"
    case cancel = "CANCEL"
    case cancelled = "CANCELLED"
    case results = "RESULTS"
    // Either direction.
    case error = "ERROR"
}

/// One decoded protocol message (without the ROUTER envelope).
struct WireMessage {
    var command: Command
    var body: Data
    var frames: [Data]

    init<Body: Encodable>(_ command: Command, _ body: Body, frames: [Data] = []) {
        self.command = command
        // Encoding our own Codable structs cannot fail; an empty object keeps the message well-formed.
        let encoder = body is any PlainKeys ? WireProtocol.plainEncoder : WireProtocol.encoder
        self.body = (try? encoder.encode(body)) ?? Data("{}".utf8)
        self.frames = frames
    }

    init(command: Command, body: Data, frames: [Data]) {
        self.command = command
        self.body = body
        self.frames = frames
    }

    /// The frames to send: header, command, body, data frames.
    var encoded: [Data] { [WireProtocol.header, Data(command.rawValue.utf8), body] + frames }

    /// Decodes the body as `Body`, or throws `malformedMessage` naming `peer`.
    func decodeBody<Body: Decodable>(_: Body.Type, peer: String) throws -> Body {
        do {
            let decoder = Body.self is any PlainKeys.Type ? WireProtocol.plainDecoder : WireProtocol.decoder
            return try decoder.decode(Body.self, from: body)
        } catch {
            throw ClusterError.malformedMessage(
                peer: peer, reason: "\(command.rawValue) body is not valid: \(Self.describe(error))")
        }
    }

    static func describe(_ error: Error) -> String {
        if let error = error as? DecodingError {
            switch error {
            case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                let path = context.codingPath.map(\.stringValue).joined(separator: ".")
                return "\(context.debugDescription) at '\(path)'"
            @unknown default: return "\(error)"
            }
        }
        return "\(error)"
    }

    /// Decodes `frames` (envelope already removed); throws a `ClusterError` naming `peer` when malformed.
    static func decode(_ frames: ArraySlice<Message>, peer: String) throws -> WireMessage {
        try decode(frames: frames.map(\.data), peer: peer)
    }

    /// Decodes the frames of one message (envelope already removed): the header, the command word and the
    /// body frame; the data frames are kept as they are (the command's decoder in `WireDecoder` checks them).
    /// Throws a `ClusterError` naming `peer` when malformed. A pure function of its input.
    static func decode(frames: [Data], peer: String) throws -> WireMessage {
        guard frames.count >= 3 else {
            throw ClusterError.malformedMessage(
                peer: peer, reason: "expected at least 3 frames (header, command, body), got \(frames.count)")
        }
        guard frames.count - 3 <= ClusterDefaults.maximumDataFrames else {
            throw ClusterError.malformedMessage(
                peer: peer,
                reason: "\(frames.count - 3) data frames; at most \(ClusterDefaults.maximumDataFrames) are accepted")
        }
        let header = [UInt8](frames[0])
        guard header.count == 4, header[0] == 0x53, header[1] == 0x4C, header[2] == 0x43 else {
            throw ClusterError.malformedMessage(peer: peer, reason: "first frame is not the SLC protocol header")
        }
        guard header[3] == WireProtocol.version else {
            throw ClusterError.unsupportedVersion(peer: peer, version: header[3])
        }
        let commandFrame = frames[1]
        let word = String(decoding: commandFrame.prefix(32), as: UTF8.self)
        guard commandFrame.count <= 32, let command = Command(rawValue: word) else {
            throw ClusterError.malformedMessage(peer: peer, reason: "unknown command '\(word)'")
        }
        return WireMessage(command: command, body: frames[2], frames: Array(frames[3...]))
    }
}

/// A body whose keys (and nested keys) are already in wire form: single lowercase words, or explicit snake_case
/// `CodingKeys`. It is coded without key conversion.
protocol PlainKeys {}

/// The body of ERROR.
struct ErrorBody: Codable {
    var code: String
    var message: String
    var request: String?
}
