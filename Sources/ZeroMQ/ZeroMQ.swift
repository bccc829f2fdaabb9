// ZeroMQ: a thin Swift layer over libzmq — contexts, sockets, multipart messages, zero-copy frames,
// a poller, socket options, CurveZMQ keys and a ZAP allowlist handler.
//
// It owns nothing but the mapping of libzmq to Swift and must not know anything about Salience:
// no protocol, no task, no logging framework. Threading follows libzmq: a `Context` may be shared by
// any thread; a `Socket` belongs to one thread at a time (it may migrate only with a full memory barrier,
// e.g. handing it to a new `Thread` before starting that thread).
import CZeroMQ

/// The libzmq version this process is linked against, as (major, minor, patch).
public func libzmqVersion() -> (major: Int, minor: Int, patch: Int) {
    var major: Int32 = 0
    var minor: Int32 = 0
    var patch: Int32 = 0
    zmq_version(&major, &minor, &patch)
    return (Int(major), Int(minor), Int(patch))
}

/// Whether libzmq was built with CurveZMQ support (libsodium or tweetnacl).
public var libzmqHasCurve: Bool { zmq_has("curve") != 0 }
