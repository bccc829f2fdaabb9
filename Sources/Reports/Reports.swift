/// Reports: turns a scan's ``Scan/ScanResults`` into files people read — `report.html` (one self-contained
/// page with hand-written SVG plots, no scripts, no network), `report.md`, `results.json` and `results.csv`.
///
/// It owns presentation only: plots, tables, number formatting and escaping. It must not compute anything a
/// result does not already hold beyond aggregation over seeds (which `Scan` provides), and it knows nothing of
/// the cluster, training or shards.
