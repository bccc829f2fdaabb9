import Cluster

/// The executors a worker registers to run scans (besides `scan.report`, which lives with the report
/// writer in the command-line target because `Reports` sits above `Scan`).
public enum ScanExecutors {
    /// Catalog, statistics, KSG, train and IG executors, each stamping its results with a ``TaskTiming``.
    public static var all: [any TaskExecutor] {
        let executors: [any TaskExecutor] = [
            CatalogExecutor(), StatisticsExecutor(), KSGExecutor(), TrainExecutor(), IGExecutor(),
        ]
        return executors.map { TimedExecutor($0) }
    }
}
