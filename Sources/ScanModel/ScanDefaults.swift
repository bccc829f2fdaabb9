/// The numbers of the scan's task graph, in one place (the spec's own defaults are `ScanSpecDefaults`).
public enum ScanDefaults {
    /// Training threads per grid task. Ours: a worker process is the unit of parallelism on a cluster, so
    /// each task trains on one replica (a 2-core machine runs two workers).
    public static let trainingThreads = 1
    /// Model replicas per IG task, for the same reason.
    public static let igReplicas = 1
    /// Seed of the KSG tie-breaking noise: `salience scores`' default `--noise-seed 0`, so a scan's `mis`
    /// equals the single-machine command's.
    public static let ksgNoiseSeed: UInt64 = 0
    /// The most bytes of pooled train rows (Float64, every dimension, targets and row keys) the statistics
    /// tasks send on to the KSG tasks instead of those reading every frame again: 256 MiB holds 32,000
    /// utterances at D = 1024. The coordinator holds them while it plans, and they pass through its ledger
    /// twice (results, then KSG tasks); above it, KSG reads the frames as before.
    public static let pooledRowsLimitBytes = 256 << 20
    /// The most bytes of pooled rows one message may carry (a statistics result or a KSG task): half the
    /// coordinator's and workers' default `--max-message-bytes` (64 MiB).
    public static let pooledRowsMessageLimitBytes = 32 << 20
}
