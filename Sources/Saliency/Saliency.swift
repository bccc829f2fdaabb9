import COpenBLAS

/// The number of threads OpenBLAS uses for one call.
public func blasThreadCount() -> Int { Int(openblas_get_num_threads()) }
