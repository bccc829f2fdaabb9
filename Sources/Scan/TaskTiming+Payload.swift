import Cluster
import Foundation
import ScanModel

/// Stamping scan task results with their ``TaskTiming`` (body key `timing`), and reading it back.
extension TaskTiming {
    /// Runs `work`, then adds its timing to the result body (a JSON object) under ``key``. Spliced in as
    /// text, so the rest of the body stays byte for byte what the executor wrote.
    public static func stamp(worker: String? = nil, _ work: () throws -> Payload) throws -> Payload {
        let start = Date()
        var payload = try work()
        let timing = TaskTiming(startedAt: start, finishedAt: Date(), worker: worker)
        payload.body = try timing.spliced(into: payload.body)
        return payload
    }

    /// The timing stored in `payload`'s body, if any (results written before timings existed have none).
    public static func read(from payload: Payload) -> TaskTiming? {
        (try? ScanCoding.decoder().decode(Stamped.self, from: payload.body))?.timing
    }

    /// `body` (a JSON object) with `"timing": self` added as its last member.
    func spliced(into body: Data) throws -> Data {
        guard let close = body.lastIndex(of: UInt8(ascii: "}")) else {
            throw ScanError.malformedPayload(what: "scan task result", reason: "the body is not a JSON object")
        }
        let inner = body[body.startIndex..<close]
        let isEmpty = inner.allSatisfy { $0 == UInt8(ascii: "{") || $0 == 0x20 || $0 == 0x0A || $0 == 0x09 }
        var out = Data(inner)
        out.append(contentsOf: Array((isEmpty ? "" : ",").utf8))
        out.append(contentsOf: Array("\"\(Self.key)\":".utf8))
        out.append(try ScanCoding.encoder().encode(self))
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// What the task in `payload` read (zero when its body does not say).
    public static func reads(from payload: Payload) -> TaskReads {
        let stamped = try? ScanCoding.decoder().decode(Stamped.self, from: payload.body)
        return TaskReads(
            bytesFromDataRoot: stamped?.bytesFromDataRoot ?? 0, bytesFromCache: stamped?.bytesFromCache ?? 0)
    }

    /// Any result body, read only for its timing and what it read.
    private struct Stamped: Decodable {
        var timing: TaskTiming?
        var bytesFromDataRoot: Int?
        var bytesFromCache: Int?
    }
}

/// An executor whose results carry a ``TaskTiming``.
public struct TimedExecutor: TaskExecutor {
    /// The executor that does the work.
    public let inner: any TaskExecutor

    /// Wraps `inner`.
    public init(_ inner: any TaskExecutor) { self.inner = inner }

    /// The inner executor's kind.
    public var kind: String { inner.kind }

    /// Runs the inner executor and stamps its result.
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        try TaskTiming.stamp(worker: context.worker) { try inner.execute(task, context: context) }
    }
}
