/// Scan: the scan spec (what a user submits), the results model (what a run produces), and the task graph
/// that turns one into the other by way of the cluster. See ../shared/docs/architecture.md.
///
/// It owns the vocabulary of a scan (methods, selection rules, decoders, label-variance modes) as the user
/// writes it; it must not know how reports are drawn (that is `Reports`) nor how bytes move between machines
/// (that is `Cluster`).
