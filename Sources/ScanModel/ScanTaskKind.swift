import Foundation

/// The task kinds of a scan's graph, as the cluster routes them to worker executors.
public enum ScanTaskKind {
    /// Read and validate the dataset's headers against the format and the spec (``CatalogTask``).
    public static let catalog = "scan.catalog"
    /// Streaming statistics over one shard's utterance range (``StatisticsTask``).
    public static let statistics = "scan.statistics"
    /// The KSG estimator over one block of dimensions, every train utterance (``KSGTask``).
    public static let ksg = "scan.ksg"
    /// Train one decoder of the grid and evaluate it (``TrainTask``).
    public static let train = "scan.train"
    /// Integrated Gradients statistics of the baseline decoder over one utterance range (``IGTask``).
    public static let ig = "scan.ig"
    /// Fuse the models of the `[fusion]` members for one seed, label-variance mode and fusion method
    /// (``FuseTask``).
    public static let fuse = "scan.fuse"
    /// Write the report files from assembled results (``ReportTask``).
    public static let report = "scan.report"
}

/// What every scan task payload shares: the JSON body codec and the task's key (its identity in the graph).
public protocol ScanTaskBody: Codable {
    /// A stable, unique name of the task within its run (`stats:clean-0.h5:0..<512`), used to tell which
    /// graph nodes are done.
    var key: String { get }
}
