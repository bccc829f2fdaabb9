import CHDF5

/// The libhdf5 version this process is linked against, as (major, minor, release).
public func libhdf5Version() -> (major: Int, minor: Int, release: Int) {
    var major: UInt32 = 0
    var minor: UInt32 = 0
    var release: UInt32 = 0
    H5get_libversion(&major, &minor, &release)
    return (Int(major), Int(minor), Int(release))
}
