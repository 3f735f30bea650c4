// Prompt processing: weight rows are dequantized tile by tile into an fp32 scratch that
// stays in L2, and every token is multiplied by the tile while it is hot, so each
// weight is decoded once per call instead of once per token.
#include "kc_gemm.h"
#include "kc_quant.h"
#include "kc_internal.h"
#include <cblas.h>
#include <pthread.h>
#include <stdlib.h>

// OpenBLAS must not start its own threads: our pool already owns the cores and calls
// sgemm concurrently from several threads.
static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static void blas_single_thread(void) { openblas_set_num_threads(1); }

static float *tile_scratch(int64_t n) {
    static _Thread_local float *buf;
    static _Thread_local int64_t cap;
    if (cap < n) {
        free(buf);
        cap = (n + 15) & ~15;
        buf = aligned_alloc(64, (size_t)cap * sizeof(float));
    }
    return buf;
}

int64_t kc_tile_rows(int64_t cols) {
    // About 512 KiB of fp32 per tile: half of a 1 MiB L2, leaving room for activations.
    int64_t rows = (512 * 1024 / 4) / (cols > 0 ? cols : 1);
    rows &= ~(int64_t)15;
    return rows < 16 ? 16 : rows;
}

void kc_matmul_tile(int type, const void *w, int64_t cols, int64_t r0, int64_t r1,
                    const float *x, int64_t tokens, float *y, int64_t ldy) {
    pthread_once(&blas_once, blas_single_thread);
    const int64_t n = r1 - r0;
    if (n <= 0 || tokens <= 0) return;
    const int64_t rb = cols / kc_block_size(type) * kc_block_bytes(type);
    float *tile = tile_scratch(n * cols);
    for (int64_t r = 0; r < n; r++)
        kc_dequantize_row(type, (const uint8_t *)w + (r0 + r) * rb, tile + r * cols, cols);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (blasint)tokens, (blasint)n, (blasint)cols,
                1.0f, x, (blasint)cols, tile, (blasint)cols, 0.0f, y + r0, (blasint)ldy);
}

void kc_sgemm(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
              const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
              float *c, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
    pthread_once(&blas_once, blas_single_thread);
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                (blasint)m, (blasint)n, (blasint)k, alpha, a, (blasint)lda, b, (blasint)ldb, beta,
                c, (blasint)ldc);
}
