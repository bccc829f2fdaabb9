/// Shards: Salience's embedding shard format (docs/shard-format.md), version 1.
///
/// It owns reading shards (header, per-utterance metadata, frames of an utterance range restricted to a set
/// of columns), writing them (`ShardWriter`, with a tiled chunk layout chosen by measurement), validating them
/// against every refusal rule of the format (`ShardValidator`), describing a directory of shards
/// (`DatasetCatalog`) and making synthetic datasets with a planted subspace (`SyntheticDataset`).
///
/// It knows HDF5 only through the `HDF5` module, and nothing of statistics, models, the cluster or the CLI.
/// A `ShardReader` keeps one file open; use one reader per thread (libhdf5 serialises calls anyway).
