/// Numerics: the few numeric tools several of Salience's modules share, kept in one place so that they
/// agree bit for bit: the seeded generators (`SeededGenerator`, `SplitMix64`) whose streams make synthetic
/// data, initialisation, shuffling, dropout and tie-breaking noise reproducible from one integer; Chan's
/// pairwise merge of means and co-moments (`PairwiseMoments`), which every mergeable partial uses; OpenBLAS's
/// runtime (`BLASThreads`, `BLASCore`); and the little-endian bytes of Float64 arrays (`DoubleBytes`).
///
/// Must not know: shards, models, partials, tasks or the command line. Shards, Saliency, Learn,
/// Attribution and Scan sit above it.
