// Shim for OpenBLAS (CBLAS) and LAPACKE.
#ifndef SALIENCE_COPENBLAS_SHIM_H
#define SALIENCE_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>

// Not in OpenBLAS's headers but exported (it is what OpenBLAS's own fork handler calls): joins the thread
// pool's workers; the next call that wants threads starts them again.
int blas_thread_shutdown_(void);
#endif
