import Foundation

/// The numbers that shape the cluster's behaviour, in one place.
public enum ClusterDefaults {
    /// Heartbeat period in both directions. The ZeroMQ guide's Paranoid Pirate pattern (chapter 4)
    /// heartbeats every 1 s...
    public static let heartbeatInterval: TimeInterval = 1.0
    /// ...and presumes a peer dead after 3 missed heartbeats ("liveness" 3).
    public static let heartbeatLiveness = 3
    /// Silence after which a peer is presumed dead.
    public static var peerTimeout: TimeInterval { heartbeatInterval * Double(heartbeatLiveness) }

    /// Failures of a task with the same error before it is marked failed. Dask (`allowed-failures`)
    /// and Ray (`max_retries`) both default to 3.
    public static let identicalFailureLimit = 3
    /// Failures of any kind after which a task is marked failed, so that a task failing differently
    /// every time still ends.
    public static let totalFailureLimit = 9

    /// How long a task may stay leased to a live worker before the lease expires and it is retried.
    public static let leaseSeconds: TimeInterval = 600
    /// A lease older than this that a worker's heartbeat does not list is taken back: its TASKS was lost
    /// (a dropped connection discards what was queued on it). Younger ones may still be on the way.
    public static var unlistedLeaseGrace: TimeInterval { peerTimeout }

    /// A task leased longer than this many times the mean task duration of its run (and at least
    /// `stragglerMinimumAge`) may be re-issued to an idle worker once the queue is empty.
    public static let stragglerFactor = 3.0
    /// The smallest lease age at which a task counts as a straggler.
    public static let stragglerMinimumAge: TimeInterval = 1.0

    /// Largest frame the coordinator accepts (`ZMQ_MAXMSGSIZE`); bigger senders are disconnected.
    public static let maximumMessageBytes: Int64 = 64 << 20
    /// Send/receive high-water marks of cluster sockets (messages per peer): bounded queues everywhere.
    public static let highWaterMark: Int32 = 10_000

    /// Tasks a worker keeps in flight per executor thread (its credit window), so that results and new
    /// tasks overlap the work.
    public static let prefetchPerThread = 2
    /// Most messages the coordinator drains per poll cycle before committing and dispatching.
    public static let messagesPerCycle = 2_000
    /// Most tasks sent to one worker in one TASKS message.
    public static let tasksPerMessage = 512

    /// How long a client waits for the coordinator's reply.
    public static let clientTimeout: TimeInterval = 10
    /// Most results returned by one RESULTS request.
    public static let resultsPageSize = 500
    /// Window over which `status` measures throughput.
    public static let throughputWindow: TimeInterval = 10
}
