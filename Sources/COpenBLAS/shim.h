// Shim for OpenBLAS (CBLAS) and LAPACKE.
#ifndef SALIENCE_COPENBLAS_SHIM_H
#define SALIENCE_COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
