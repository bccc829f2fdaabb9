/// Saliency: per-dimension statistics of embeddings against targets, computed in mergeable pieces, and the
/// scores and selections built on them.
///
/// Owns: the partials (`MomentsPartial`, `RangePartial`, `JointHistogramPartial`, `CovariancePartial`) with
/// their exact, order-free `merge` and byte serialisation; the scores (CCS, the KSG and histogram mutual
/// information estimators, PCA); and the selection rules. Works on plain in-memory row-major matrices
/// (`Observations`), so the numbers never depend on how data is read.
///
/// Must not know: shards, sockets, tasks or the command line. Whoever reads the data (Shards, a cluster
/// worker) pools it into `Observations` and hands it here. The one file it touches is `pca.h5`
/// (`PrincipalComponentsFile`), so that training can load the projection without knowing how it was made.
import COpenBLAS

/// The number of threads OpenBLAS uses for one call.
public func blasThreadCount() -> Int { Int(openblas_get_num_threads()) }

/// Sets the number of threads OpenBLAS uses for one call. Callers that already run one BLAS call per thread
/// (the scores pass) set 1: OpenBLAS's own workers would otherwise spin (`sched_yield`) against them.
public func setBLASThreadCount(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }

/// Sets OpenBLAS to one thread per call and stops its pool's idle workers, which otherwise spin on
/// `sched_yield` for a while after the library loads or after each threaded call, taking a core from the
/// callers' own threads (measured: a third of the CPU time of a 0.2 s `salience scores` run). Call it before
/// starting threads that make BLAS calls: OpenBLAS starts the pool again by itself when a later call runs
/// with more than one thread (after `setBLASThreadCount(n)`).
public func stopIdleBLASThreads() {
    openblas_set_num_threads(1)
    _ = blas_thread_shutdown_()
}
