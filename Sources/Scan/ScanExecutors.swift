import Cluster

/// The executors a worker registers to run scans: every node of the graph.
public enum ScanExecutors {
    /// Catalog, statistics, KSG, train, IG and report executors, each stamping its results with a ``TaskTiming``.
    public static var all: [any TaskExecutor] {
        let executors: [any TaskExecutor] = [
            CatalogExecutor(), StatisticsExecutor(), KSGExecutor(), TrainExecutor(), IGExecutor(), ReportExecutor(),
        ]
        return executors.map { TimedExecutor($0) }
    }
}
