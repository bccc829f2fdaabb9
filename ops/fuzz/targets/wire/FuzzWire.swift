// libFuzzer target: the wire-message decoders of cluster/PROTOCOL.md.
//
// Input: the frames of one message (envelope removed), separated by the byte 0x1E (ASCII record separator).
// It calls the decoding entry points the coordinator, worker and client use, through `WireFuzzing`
// (`@_spi(Fuzzing)`), which runs the same `WireDecoder` functions the handlers call — header, command word,
// body, every number checked against `ClusterDefaults`, data frames split by each task's `arrays` count:
//   1. `WireFuzzing.decodeMessage(frames:)`     the message as received;
//   2. `WireFuzzing.decodeCommand(_:body:dataFrames:)` the body frame under every command (a peer may send any
//                                                body under any command), the rest as data frames;
//   3. `WireFuzzing.decodePayloadBlob(_:)`     every frame as a ledger blob (read back from SQLite).
// Nothing here may trap: every failure must be a thrown `ClusterError`.
@_spi(Fuzzing) import Cluster
import Foundation

/// Splits the input into frames at 0x1E.
func frames(_ bytes: UnsafeRawBufferPointer) -> [[UInt8]] {
    bytes.split(separator: 0x1E, omittingEmptySubsequences: false).map { Array($0) }
}

let commands = [
    "HELLO", "READY", "RESULT", "HEARTBEAT", "BYE", "SUBMIT", "STATUS", "WORKERS", "CANCEL", "RESULTS", "TASKS",
    "WELCOME", "ACK", "ERROR", "SUBMITTED", "CANCELLED",
]

func exercise(_ input: [[UInt8]]) {
    _ = try? WireFuzzing.decodeMessage(frames: input)
    if let body = input.first {
        let data = Array(input.dropFirst())
        for command in commands { try? WireFuzzing.decodeCommand(command, body: body, dataFrames: data) }
    }
    for frame in input { _ = WireFuzzing.decodePayloadBlob(frame) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    exercise(frames(UnsafeRawBufferPointer(start: data, count: size)))
    return 0
}
