import Cluster
import Shards

/// The executors a worker registers to run scans: every node of the graph.
public enum ScanExecutors {
    /// Catalog, statistics, KSG, train, IG, fuse and report executors, each stamping its results with a ``TaskTiming``.
    public static var all: [any TaskExecutor] { all(columnCache: nil) }

    /// The same, with the grid's training tasks reading shards through a worker's `columnCache` and holding at
    /// most `trainingMemory` bytes of frames each (nil: a quarter of RAM).
    public static func all(columnCache: ColumnCache?, trainingMemory: Int? = nil) -> [any TaskExecutor] {
        let executors: [any TaskExecutor] = [
            CatalogExecutor(), StatisticsExecutor(), KSGExecutor(),
            TrainExecutor(columnCache: columnCache, memoryBudget: trainingMemory),
            IGExecutor(), FuseExecutor(), ReportExecutor(),
        ]
        return executors.map { TimedExecutor($0) }
    }
}
