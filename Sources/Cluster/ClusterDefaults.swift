import Foundation

/// The numbers that shape the cluster's behaviour, in one place.
public enum ClusterDefaults {
    /// Heartbeat period in both directions. The ZeroMQ guide's Paranoid Pirate pattern (chapter 4)
    /// heartbeats every 1 s...
    public static let heartbeatInterval: TimeInterval = 1.0
    /// Data keys remembered per host for task affinity (a scan of 25 layers x a few datasets fits).
    public static let affinitiesPerHost = 32
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

    /// A task leased longer than this many times the mean duration of its run's finished tasks of its kind (and at least
    /// `stragglerMinimumAge`) may be re-issued to an idle worker once the queue is empty.
    public static let stragglerFactor = 3.0
    /// The smallest lease age at which a task counts as a straggler.
    public static let stragglerMinimumAge: TimeInterval = 1.0

    /// Largest frame the coordinator accepts (`ZMQ_MAXMSGSIZE`); bigger senders are disconnected.
    public static let maximumMessageBytes: Int64 = 64 << 20
    /// Send/receive high-water marks of cluster sockets (messages per peer): bounded queues everywhere.
    public static let highWaterMark: Int32 = 10_000

    /// How often (ms) the coordinator's loop looks for a finished plan while a phase boundary is being planned
    /// (otherwise it sleeps up to 100 ms between messages).
    public static let planningPollMilliseconds = 5

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
    /// Result bytes after which a RESULTS page ends (it always holds at least one result). The loop thread
    /// reads a page from the ledger and holds it until sent: 500 statistics results at D = 1024 are 3.5 GB,
    /// seconds of reading (more than `peerTimeout`, so every worker would be declared dead) and that much
    /// memory. Pages of 32 MB keep each request to tens of milliseconds.
    public static let resultsPageBytes = 32 << 20
    /// Window over which `status` measures throughput.
    public static let throughputWindow: TimeInterval = 10

    // MARK: Limits on numbers from the wire (cluster/PROTOCOL.md, section 2)
    //
    // Every count a peer sends is checked against these before any arithmetic uses it, so that no message can
    // overflow an `Int` (a trap, i.e. a dead coordinator) or make the coordinator allocate without bound. They
    // are generous for honest peers: a scan of the largest preset submits one task and plans at most a few
    // thousand per phase; a worker holds `prefetchPerThread` tasks per thread.

    /// Largest credit window a worker may announce in HELLO (and so the most tasks it may hold). 1024 threads
    /// (the CLI's cap on `--threads`) times `prefetchPerThread`, with room to spare.
    public static let maximumWindow = 65_536
    /// Most data frames one message may carry. libzmq itself bounds only each frame's size
    /// (`ZMQ_MAXMSGSIZE`), not their number; 2^20 frames is far beyond any submission the CLI makes.
    public static let maximumDataFrames = 1 << 20
    /// Most arrays one payload (task input or result) may have.
    public static let maximumArraysPerPayload = 65_536
    /// Most tasks in one SUBMIT, and most results in one RESULT.
    public static let maximumTasksPerMessage = 1 << 20
    /// Most entries of HELLO `running` and HEARTBEAT `holding`: a worker holds at most its window.
    public static var maximumHeldTasks: Int { maximumWindow }
    /// Most task kinds a worker may announce, and the longest kind, worker, host or run name (UTF-8 bytes).
    public static let maximumKinds = 1_024
    public static let maximumNameBytes = 256
    /// Longest error text of a failed result kept (longer ones are cut, not refused).
    public static let maximumErrorBytes = 4_096
    /// Longest lease a run may ask for: 30 days. Longer is a typo, or an attempt to pin tasks forever.
    public static let maximumLeaseSeconds: TimeInterval = 30 * 24 * 3600
    /// Longest a worker may say a task took (a week); also refuses NaN and infinities, which would poison the
    /// straggler threshold (a mean of task durations).
    public static let maximumTaskSeconds: Double = 7 * 24 * 3600

    // MARK: Logging and operator-facing limits

    /// At most one log line per this many seconds for a failure that repeats every cycle (e.g. a full disk),
    /// with the number of repeats suppressed. The loop retries every 0.1 s; ten lines a second bury the cause.
    public static let repeatedErrorLogInterval: TimeInterval = 10
    /// Protocol errors logged one by one before only every 100th is (a hostile stream must not fill the disk).
    public static let protocolErrorsLoggedInFull = 20
    /// Following a run (`salience scan --to`): the longest pause between retries while the coordinator is
    /// unreachable (restarting), and how long to keep trying before giving up.
    public static let followRetryMaximumDelay: TimeInterval = 5
    public static let followGiveUpAfter: TimeInterval = 15 * 60
}
