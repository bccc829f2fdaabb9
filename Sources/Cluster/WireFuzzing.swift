import Foundation

/// Entry points for the fuzzing targets (ops/fuzz): the wire decoders as pure functions of bytes, without a
/// socket or a coordinator. Each either returns or throws a `ClusterError`; anything else (a trap, a hang,
/// unbounded allocation) is a bug. Import with `@_spi(Fuzzing) import Cluster`.
@_spi(Fuzzing)
public enum WireFuzzing {
    /// Decodes a whole message as the coordinator receives it (envelope removed): header, command word, body,
    /// then the command's body and data frames with the checks the coordinator applies. Returns the command.
    @discardableResult
    public static func decodeMessage(frames: [[UInt8]]) throws -> String {
        let message = try WireMessage.decode(frames: frames.map { Data($0) }, peer: "fuzz")
        try decodeBody(message)
        return message.command.rawValue
    }

    /// Decodes `body` and `dataFrames` as the body of `command` (e.g. "SUBMIT"), as the side that receives
    /// that command does. Throws for an unknown command.
    public static func decodeCommand(_ command: String, body: [UInt8], dataFrames: [[UInt8]]) throws {
        guard let command = Command(rawValue: command) else {
            throw ClusterError.malformedMessage(peer: "fuzz", reason: "unknown command '\(command)'")
        }
        try decodeBody(WireMessage(command: command, body: Data(body), frames: dataFrames.map { Data($0) }))
    }

    /// Decodes a ledger payload blob (task inputs and results as stored); nil when it is not well-formed.
    public static func decodePayloadBlob(_ bytes: [UInt8]) -> Int? {
        Payload(blob: Data(bytes)).map { 1 + $0.arrays.count }
    }

    static func decodeBody(_ message: WireMessage) throws {
        let peer = "fuzz"
        switch message.command {
        case .hello: _ = try WireDecoder.hello(message, peer: peer)
        case .ready: _ = try WireDecoder.ready(message, peer: peer)
        case .result: _ = try WireDecoder.result(message, peer: peer)
        case .heartbeat, .bye: _ = try WireDecoder.heartbeat(message, peer: peer)
        case .submit: _ = try WireDecoder.submit(message, peer: peer)
        case .status, .workers, .cancel: _ = try WireDecoder.runRequest(message, peer: peer)
        case .results: _ = try WireDecoder.resultsRequest(message, peer: peer)
        case .tasks: _ = try WireDecoder.tasks(message, peer: peer)
        case .welcome: _ = try message.decodeBody(WelcomeBody.self, peer: peer)
        case .ack: _ = try message.decodeBody(AckBody.self, peer: peer)
        case .error: _ = try message.decodeBody(ErrorBody.self, peer: peer)
        case .submitted: _ = try message.decodeBody(SubmittedBody.self, peer: peer)
        case .cancelled: _ = try message.decodeBody(CancelledBody.self, peer: peer)
        }
    }
}
