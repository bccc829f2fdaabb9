// Shim for OpenBLAS: CBLAS, and the one LAPACK routine Salience calls.
#ifndef SALIENCE_COPENBLAS_SHIM_H
#define SALIENCE_COPENBLAS_SHIM_H
#include <stddef.h>
#include <cblas.h>

// LAPACK's dsyevd (symmetric eigen-decomposition, divide and conquer), Fortran calling convention, as
// libopenblas exports it. Calling OpenBLAS's own LAPACK rather than LAPACKE keeps liblapacke out of the
// process, and with it the liblapack.so.3 and libblas.so.3 it links: two more copies of OpenBLAS, each
// resolving thousands of symbols and starting its own thread pool when the program starts.
// The two trailing arguments are the lengths of the character arguments gfortran passes.
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t jobz_length,
             size_t uplo_length);
#endif
