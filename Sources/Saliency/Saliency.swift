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
