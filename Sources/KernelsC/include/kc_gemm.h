#pragma once
#include <stdint.h>
#include "kc_pool.h"

// y[t*rows + r] = dot(W row r, x + t*cols) for t < tokens, r < rows, spread over the pool.
// Few tokens: fused dequantize-and-dot. Many tokens: weight tiles dequantized once into
// L2-resident fp32 panels and multiplied by all tokens with a register-blocked kernel.
void kc_matmul(kc_pool *pool, int type, const void *w, int64_t rows, int64_t cols,
               const float *x, int64_t tokens, float *y);
// One matrix of a kc_matmul_group: its weights and rows, and where its products go.
typedef struct {
    int type;
    const void *w;
    int64_t rows;
    float *y;
} kc_matmul_part;
// kc_matmul for several matrices that share the input x and its column count (a layer's
// query, key and value projections; its gate and up projections). Below the GEMM token
// threshold their rows are spread over the pool as one job, so the threads meet once
// instead of once per matrix; from it, each is one kc_matmul. Every product is computed
// exactly as kc_matmul computes it.
void kc_matmul_group(kc_pool *pool, const kc_matmul_part *parts, int count, int64_t cols,
                     const float *x, int64_t tokens);
// Token count from which kc_matmul takes the tiled GEMM path (0, the default: chosen
// by SIMD level, see gemm.c).
int64_t kc_gemm_min_tokens(void);
void kc_set_gemm_min_tokens(int64_t tokens);
// On AVX2 machines without AVX-512: BaseServe's own GEMM (1, the default) or OpenBLAS (0).
void kc_set_gemm_avx2(int on);

// Row-major single-threaded GEMM: C = alpha*op(A)*op(B) + beta*C.
void kc_sgemm(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
              const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
              float *c, int64_t ldc);
