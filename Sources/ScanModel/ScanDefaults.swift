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
}
