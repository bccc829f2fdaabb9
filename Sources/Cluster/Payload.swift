import Foundation

/// An opaque task input or result: a small body (often JSON) and raw little-endian array frames.
/// The cluster never looks inside.
public struct Payload: Sendable, Equatable {
    /// The structured part (for example JSON or a few packed integers).
    public var body: Data
    /// Raw array frames (for example little-endian Float32 blocks), sent as separate ZeroMQ frames.
    public var arrays: [Data]

    /// A payload with `body` and optional `arrays`.
    public init(body: Data = Data(), arrays: [Data] = []) {
        self.body = body
        self.arrays = arrays
    }

    /// The payload as ZeroMQ frames: body first, then the arrays.
    var frames: [Data] { [body] + arrays }

    /// Bytes of the body and arrays together (what a RESULTS page is budgeted by).
    var byteCount: Int { arrays.reduce(body.count) { $0 + $1.count } }

    /// The payload from `frames` (body first).
    init(frames: ArraySlice<Data>) {
        body = frames.first ?? Data()
        arrays = Array(frames.dropFirst())
    }

    /// One blob for the ledger: UInt32 frame count, then per frame a UInt64 length and the bytes (LE).
    var blob: Data {
        var out = Data(capacity: 4 + frames.reduce(0) { $0 + 8 + $1.count })
        withUnsafeBytes(of: UInt32(1 + arrays.count).littleEndian) { out.append(contentsOf: $0) }
        for frame in frames {
            withUnsafeBytes(of: UInt64(frame.count).littleEndian) { out.append(contentsOf: $0) }
            out.append(frame)
        }
        return out
    }

    /// Decodes `blob`; nil when it is not a well-formed payload blob. The arrays are copied out, so `blob` may
    /// be a view that does not outlive the call (the ledger reads results in place).
    init?(blob: Data) {
        var offset = blob.startIndex
        func read<T: FixedWidthInteger>(_: T.Type) -> T? {
            guard blob.endIndex - offset >= MemoryLayout<T>.size else { return nil }
            var value: T = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: blob[offset..<offset + MemoryLayout<T>.size]) }
            offset += MemoryLayout<T>.size
            return T(littleEndian: value)
        }
        guard let count = read(UInt32.self), count >= 1 else { return nil }
        var frames: [Data] = []
        for _ in 0..<count {
            guard let length = read(UInt64.self), UInt64(blob.endIndex - offset) >= length else { return nil }
            frames.append(blob.subdata(in: offset..<offset + Int(length)))
            offset += Int(length)
        }
        self.init(frames: frames[...])
    }
}

/// One task of a run as submitted or planned: what kind of work, and its input.
public struct TaskSpec: Sendable, Equatable {
    /// The task kind, matched against the executors a worker registered (e.g. `cluster.spin`).
    public var kind: String
    /// The input.
    public var payload: Payload
    /// What data the task reads, as a key the planner chooses (e.g. the dataset a training task reads): the
    /// coordinator prefers giving a task to a worker that already ran tasks of the same key, whose local
    /// caches hold that data. A preference only: no task waits for a particular worker.
    public var affinity: String?

    /// A task of `kind` with `payload`.
    public init(kind: String, payload: Payload, affinity: String? = nil) {
        self.kind = kind
        self.payload = payload
        self.affinity = affinity
    }
}
