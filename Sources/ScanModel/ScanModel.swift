/// ScanModel: the vocabulary of a scan as values — the spec a user writes (methods, selection rules,
/// decoders, label-variance modes, with its TOML form and its validation), the task bodies of the scan's
/// graph, and the results a run produces (with their aggregation over seeds and their JSON form).
///
/// Value types only, so that `Reports` can draw results and `Scan` can run the graph that makes them,
/// each depending on this and neither on the other's machinery. Must not know: shards, statistics,
/// training, sockets or files beyond the spec's own text.
