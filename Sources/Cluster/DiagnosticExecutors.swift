import Foundation

/// Task kinds built into every worker, for tests, benchmarks and checking a deployment end to end.
public enum DiagnosticExecutors {
    /// All of them.
    public static var all: [any TaskExecutor] {
        [NoOpExecutor(), SpinExecutor(), FailExecutor(), SleepExecutor(), ReadFileExecutor(), FillExecutor()]
    }

    /// SplitMix64's output function (Steele, Lea & Flood 2014), the mixing step of `cluster.spin`.
    @inline(__always)
    public static func splitMix64(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Little-endian UInt64s of a body, or nil when its length is not a multiple of 8.
    public static func words(_ data: Data) -> [UInt64]? {
        guard data.count % 8 == 0 else { return nil }
        return stride(from: 0, to: data.count, by: 8).map { offset in
            var value: UInt64 = 0
            withUnsafeMutableBytes(of: &value) { $0.copyBytes(from: data[(data.startIndex + offset)...].prefix(8)) }
            return UInt64(littleEndian: value)
        }
    }

    /// The little-endian bytes of `values`.
    public static func data(_ values: [UInt64]) -> Data {
        var out = Data(capacity: values.count * 8)
        for value in values { withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }
}

/// `cluster.noop`: returns an empty result at once (coordinator throughput).
public struct NoOpExecutor: TaskExecutor {
    public var kind: String { "cluster.noop" }
    public init() {}
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload { Payload() }
}

/// `cluster.spin`: body = (start, count) as two LE UInt64; result = Σ splitMix64(start + i) for i < count,
/// wrapping, as one LE UInt64. CPU-bound, deterministic, checkable with numpy.
public struct SpinExecutor: TaskExecutor {
    public var kind: String { "cluster.spin" }
    public init() {}
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        guard let words = DiagnosticExecutors.words(task.payload.body), words.count == 2 else {
            throw ClusterError.invalid(
                "cluster.spin task \(task.id): body must be two little-endian UInt64 (start, count)")
        }
        var sum: UInt64 = 0
        var value = words[0]
        for _ in 0..<words[1] {
            sum &+= DiagnosticExecutors.splitMix64(value)
            value &+= 1
        }
        return Payload(body: DiagnosticExecutors.data([sum]))
    }
}

/// `cluster.fail`: always fails with the body's text (retry cap and failure reporting).
public struct FailExecutor: TaskExecutor {
    public var kind: String { "cluster.fail" }
    public init() {}
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        throw ClusterError.invalid(String(decoding: task.payload.body, as: UTF8.self))
    }
}

/// `cluster.sleep`: sleeps for the body's LE UInt64 milliseconds, returns it (stragglers, leases).
public struct SleepExecutor: TaskExecutor {
    public var kind: String { "cluster.sleep" }
    public init() {}
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        guard let words = DiagnosticExecutors.words(task.payload.body), words.count == 1 else {
            throw ClusterError.invalid("cluster.sleep task \(task.id): body must be one little-endian UInt64 (ms)")
        }
        Thread.sleep(forTimeInterval: Double(min(words[0], 3_600_000)) / 1000)
        return task.payload
    }
}

/// `cluster.read`: body = a path relative to the data root; result = the file's size as LE UInt64
/// (data-root sandboxing end to end).
public struct ReadFileExecutor: TaskExecutor {
    public var kind: String { "cluster.read" }
    public init() {}
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        let url = try context.dataRoot.resolve(String(decoding: task.payload.body, as: UTF8.self))
        let data = try Data(contentsOf: url)
        return Payload(body: DiagnosticExecutors.data([UInt64(data.count)]))
    }
}

/// `cluster.fill`: returns one array of the body's LE UInt64 bytes (byte i = i mod 256), capped at 1 GiB
/// (results larger than the coordinator's `--max-message-bytes`).
public struct FillExecutor: TaskExecutor {
    public var kind: String { "cluster.fill" }
    public init() {}
    public func execute(_ task: TaskInput, context: TaskContext) throws -> Payload {
        guard let words = DiagnosticExecutors.words(task.payload.body), words.count == 1, words[0] <= 1 << 30 else {
            throw ClusterError.invalid("cluster.fill task \(task.id): body must be one little-endian UInt64 <= 2^30")
        }
        return Payload(
            body: task.payload.body, arrays: [Data((0..<Int(words[0])).map { UInt8(truncatingIfNeeded: $0) })])
    }
}
