import CZeroMQ

/// The libzmq version this process is linked against, as (major, minor, patch).
public func libzmqVersion() -> (major: Int, minor: Int, patch: Int) {
    var major: Int32 = 0
    var minor: Int32 = 0
    var patch: Int32 = 0
    zmq_version(&major, &minor, &patch)
    return (Int(major), Int(minor), Int(patch))
}
