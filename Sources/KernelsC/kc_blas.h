// The platform's BLAS, for the paths without BaseServe's own micro-kernels: OpenBLAS
// on Linux (Debian's libopenblas-dev puts cblas.h in the multiarch include directory on
// every architecture, so no include path is needed), Accelerate on macOS.
#pragma once
#if defined(__APPLE__)
#define ACCELERATE_NEW_LAPACK
#include <Accelerate/Accelerate.h>
typedef __LAPACK_int kc_blasint;
// Accelerate sizes its own threading; it has no call to pin it to one thread.
static inline void kc_blas_one_thread(void) {}
#else
#include <cblas.h>
#if defined(OPENBLAS_VERSION)
typedef blasint kc_blasint;
// OpenBLAS must not start its own threads: BaseServe's pool already owns the cores and
// calls sgemm concurrently from several threads.
static inline void kc_blas_one_thread(void) { openblas_set_num_threads(1); }
#else
typedef int kc_blasint;  // the reference CBLAS: single-threaded already
static inline void kc_blas_one_thread(void) {}
#endif
#endif
