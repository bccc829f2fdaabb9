/// HDF5: a thin Swift layer over the libhdf5 C API (through `CHDF5`).
///
/// It owns files, groups, datasets (chunked, gzip + shuffle, hyperslab reads of row ranges and column
/// subsets), attributes, string types and errors. No HDF5 type (`hid_t`, `herr_t`, ...) appears in its public
/// API, and it knows nothing of Salience's shard format (that is the `Shards` module).
///
/// Threads: Debian's libhdf5 is built thread-safe (`Threadsafety: yes` in `libhdf5.settings`), which means
/// one global lock around every library call. Calls from several threads are safe but never run in parallel.
/// Reads of chunked float32/float16 datasets with gzip (and shuffle) therefore do not go through libhdf5's
/// filter pipeline: `Dataset` fetches the stored chunks under the lock and inflates them outside it, on every
/// core (see `DirectChunkPlan`); other layouts read through `H5Dread`.
/// Objects of this module may be used from any thread, but one object should not be used from two threads
/// at once. HDF5's error stack is per thread; this module silences its stderr printing on each thread it
/// runs on and turns failures into `HDF5Error`.
import CHDF5

/// The libhdf5 version this process is linked against, as (major, minor, release).
public func libhdf5Version() -> (major: Int, minor: Int, release: Int) {
    var major: UInt32 = 0
    var minor: UInt32 = 0
    var release: UInt32 = 0
    H5get_libversion(&major, &minor, &release)
    return (Int(major), Int(minor), Int(release))
}
