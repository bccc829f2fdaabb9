import Foundation
import ZeroMQ

// libFuzzer target: the wire-message decoders of cluster/PROTOCOL.md.
//
// Input: the frames of one message (envelope removed), separated by the byte 0x1E (ASCII record separator).
// It calls, and only calls, the decoding entry points the coordinator, worker and client use today:
//   1. `WireMessage.decode(_:peer:)`           header (SLC + version), command word, body frame, data frames;
//   2. `WireMessage.decodeBody(_:peer:)`       for every body type of the protocol, whatever the command
//                                              (a peer may send any body under any command);
//   3. `Payload(frames:)` and `Payload(blob:)` the payload framing of data frames and its ledger blob form.
// The split of data frames by each task's `arrays` count is still inline in the coordinator's handlers
// (Coordinator+Clients.swift, Coordinator+Workers.swift) and the worker's; when it becomes a function, add a
// call in `exercise` below. Nothing here may trap: every failure must be a thrown `ClusterError`.
@testable import Cluster

/// Splits the input into frames at 0x1E.
func frames(_ bytes: UnsafeRawBufferPointer) -> [Data] {
    bytes.split(separator: 0x1E, omittingEmptySubsequences: false).map { Data($0) }
}

func decodeAll(_ message: WireMessage) {
    let peer = "fuzz"
    _ = try? message.decodeBody(HelloBody.self, peer: peer)
    _ = try? message.decodeBody(WelcomeBody.self, peer: peer)
    _ = try? message.decodeBody(ReadyBody.self, peer: peer)
    _ = try? message.decodeBody(TasksBody.self, peer: peer)
    _ = try? message.decodeBody(ResultBody.self, peer: peer)
    _ = try? message.decodeBody(AckBody.self, peer: peer)
    _ = try? message.decodeBody(HeartbeatBody.self, peer: peer)
    _ = try? message.decodeBody(SubmitBody.self, peer: peer)
    _ = try? message.decodeBody(SubmittedBody.self, peer: peer)
    _ = try? message.decodeBody(RunRequestBody.self, peer: peer)
    _ = try? message.decodeBody(ResultsRequestBody.self, peer: peer)
    _ = try? message.decodeBody(ResultsPageBody.self, peer: peer)
    _ = try? message.decodeBody(CancelledBody.self, peer: peer)
    _ = try? message.decodeBody(ErrorBody.self, peer: peer)
    _ = try? message.decodeBody(StatusReport.self, peer: peer)
}

func exercise(_ input: [Data]) {
    guard let messages = try? input.map({ try Message(copying: $0) }) else { return }
    if let message = try? WireMessage.decode(messages[...], peer: "fuzz") {
        decodeAll(message)
        let payload = Payload(frames: message.frames[...])
        _ = Payload(blob: payload.blob)
    }
    // Every frame also as a ledger blob (the coordinator reads these back from SQLite).
    for frame in input { _ = Payload(blob: frame) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    exercise(frames(UnsafeRawBufferPointer(start: data, count: size)))
    return 0
}
