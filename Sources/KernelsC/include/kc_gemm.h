#pragma once
#include <stdint.h>

// Many tokens: dequantizes rows [r0, r1) of `w` once into a per-thread fp32 scratch
// tile and multiplies all tokens by it: y[t*ldy + r] = dot(W row r, x + t*cols).
void kc_matmul_tile(int type, const void *w, int64_t cols, int64_t r0, int64_t r1,
                    const float *x, int64_t tokens, float *y, int64_t ldy);
// Rows per tile that keep a dequantized tile of `cols` columns inside L2.
int64_t kc_tile_rows(int64_t cols);

// Row-major single-threaded GEMM: C = alpha*op(A)*op(B) + beta*C.
void kc_sgemm(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
              const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
              float *c, int64_t ldc);
