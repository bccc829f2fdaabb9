import Foundation
import XCTest
import ZeroMQ

@testable import Cluster

/// A DEALER socket that sends whatever frames a test gives it, as a hostile or broken peer would, and reads
/// the coordinator's replies (skipping its heartbeats).
final class RawPeer {
    let socket: Socket
    let name: String

    init(_ context: Context, name: String, endpoint: String, security: CurveClientSecurity? = nil) throws {
        self.name = name
        socket = try Socket(context, .dealer)
        try socket.setRoutingID(Array(name.utf8))
        try socket.setLinger(milliseconds: 0)
        try security?.apply(to: socket)
        try socket.connect(endpoint)
    }

    func close() { socket.close() }

    /// Sends header, command, body and data frames as given. With `dontWait`, returns false instead of
    /// blocking when the message cannot be queued (a DEALER whose handshake was refused has no peer).
    @discardableResult
    func send(
        _ command: String, _ body: String, frames: [Data] = [], header: Data = WireProtocol.header,
        dontWait: Bool = false
    ) throws -> Bool {
        try socket.send(multipart: [header, Data(command.utf8), Data(body.utf8)] + frames, dontWait: dontWait)
    }

    /// The next message that is not a HEARTBEAT, or nil after `timeout`.
    func receive(timeout: TimeInterval = 5) throws -> WireMessage? {
        let deadline = Date().addingTimeInterval(timeout)
        let poller = Poller()
        try poller.register(socket)
        while Date() < deadline {
            guard try poller.poll(timeoutMilliseconds: 100) > 0,
                let frames = try socket.receiveMultipart(dontWait: true)
            else { continue }
            let message = try WireMessage.decode(frames[...], peer: "coordinator")
            if message.command != .heartbeat { return message }
        }
        return nil
    }

    /// Sends and returns the reply (nil when none came: for a coordinator that died, say).
    func call(_ command: String, _ body: String, frames: [Data] = []) throws -> WireMessage? {
        try send(command, body, frames: frames)
        return try receive()
    }

    /// The ERROR code and message of `reply`, or nil when it is not an ERROR.
    static func error(_ reply: WireMessage?) -> ErrorBody? {
        guard let reply, reply.command == .error else { return nil }
        return try? reply.decodeBody(ErrorBody.self, peer: "coordinator")
    }

    /// A HELLO body of a worker named `name` with `window` and `credit` (JSON text, so tests can break it).
    static func hello(
        _ name: String, window: Int = 2, credit: String = "2", running: [Int64] = [],
        kinds: String = "[\"cluster.none\"]"
    )
        -> String
    {
        #"{"worker":"\#(name)","host":"test","pid":1,"threads":1,"window":\#(window),"credit":\#(credit),"kinds":\#(kinds),"running":\#(running),"version":"\#(SalienceVersion.current)"}"#
    }
}
