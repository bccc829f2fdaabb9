/// Scan: the task graph that turns a spec into results by way of the cluster — the planner, the task
/// executors (catalog, statistics, KSG, IG, train, report), the assembly of results from finished tasks and
/// from a coordinator's ledger. See docs/architecture.md.
///
/// The vocabulary it works in (spec, task bodies, results) is `ScanModel`, re-exported here so that a user
/// of `Scan` sees one module; it writes reports through `Reports`. Must not know how bytes move between
/// machines (that is `Cluster`).
@_exported import ScanModel
