// Shim for libzmq: the public header plus helpers for what Swift cannot import directly.
#ifndef SALIENCE_CZEROMQ_SHIM_H
#define SALIENCE_CZEROMQ_SHIM_H
#include <zmq.h>
#include <errno.h>

/// errno as seen right after a zmq call (Swift cannot read the thread-local macro reliably).
static inline int CZeroMQ_errno(void) { return zmq_errno(); }
#endif
