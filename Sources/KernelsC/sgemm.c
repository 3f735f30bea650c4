// Row-major fp32 GEMM for attention (scores = Q K^T, context = P V), one head per call,
// single-threaded and reentrant. With AVX-512, op(B) is packed into k-major 32-column
// panels and op(A) is read in place (or packed once when transposed), then the same 12x32
// register-blocked kernel as the weight matmuls runs with an alpha/beta epilogue.
// One to three rows of A (decode) skip packing; k == 0 and machines without AVX-512 go
// to OpenBLAS.
#include "kc_gemm.h"
#include "kc_internal.h"
#include "kc_ukernel.h"
#include "kc_blas.h"
#include <string.h>

#if KC_X86
KC_AVX512 static void sgemm512(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
                               const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                               float *c, int64_t ldc) {
    // op(A) row-major with leading dimension lda_eff.
    const float *arows = a;
    int64_t lda_eff = lda;
    if (transA) {
        float *ap = kc_scratch(3, m * k);
        for (int64_t kk = 0; kk < k; kk++)
            for (int64_t i = 0; i < m; i++) ap[i * k + kk] = a[kk * lda + i];
        arows = ap;
        lda_eff = k;
    }
    float *panel = kc_scratch(2, k * PANEL);
    for (int64_t j0 = 0; j0 < n; j0 += PANEL) {
        const int64_t nb = n - j0 < PANEL ? n - j0 : PANEL;
        if (!transB) {  // rows of B are k: copy 32-wide slices, zero-padded
            const __mmask16 m0 = kc_mask_lo(nb), m1 = kc_mask_hi(nb);
            for (int64_t kk = 0; kk < k; kk++) {
                _mm512_store_ps(panel + kk * PANEL, _mm512_maskz_loadu_ps(m0, b + kk * ldb + j0));
                _mm512_store_ps(panel + kk * PANEL + 16, _mm512_maskz_loadu_ps(m1, b + kk * ldb + j0 + 16));
            }
        } else {  // columns of op(B) are rows of B: transpose
            if (nb < PANEL) memset(panel, 0, (size_t)(k * PANEL) * sizeof(float));
            for (int64_t jj = 0; jj < nb; jj++) {
                const float *src = b + (j0 + jj) * ldb;
                for (int64_t kk = 0; kk < k; kk++) panel[kk * PANEL + jj] = src[kk];
            }
        }
        const __mmask16 m0 = kc_mask_lo(nb), m1 = kc_mask_hi(nb);
        for (int64_t i0 = 0; i0 < m; i0 += MR) {
            const int mr = (int)(m - i0 < MR ? m - i0 : MR);
            ukernel_any(panel, arows + i0 * lda_eff, lda_eff, k, c + i0 * ldc + j0, ldc, m0, m1, mr, 1, alpha, beta);
        }
    }
}

static inline __mmask16 tail_mask(int64_t left) { return left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1); }

KC_AVX512 static inline void store_scaled(float *c, float v, float alpha, float beta) {
    *c = beta == 0 ? alpha * v : alpha * v + beta * *c;
}

// Few rows of A (decode attention: one query per head). No packing: each C entry is
// either a dot of two contiguous rows (transB) or rows of B are accumulated with
// broadcast A entries into 64-wide register blocks (no transB).
KC_AVX512 static void sgemm_rows512(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
                                    const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                                    float *c, int64_t ldc) {
    float *arow = transA ? kc_scratch(3, k) : NULL;
    for (int64_t i = 0; i < m; i++) {
        const float *ai = a + i * lda;
        if (transA) {
            for (int64_t kk = 0; kk < k; kk++) arow[kk] = a[kk * lda + i];
            ai = arow;
        }
        float *ci = c + i * ldc;
        if (transB) {
            int64_t j = 0;
            // Sixteen dots at a time: one 16x16 transpose turns their partial-sum vectors
            // into a vector of the sixteen results, far cheaper than sixteen reductions.
            const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
            for (; j + 16 <= n; j += 16) {
                __m512 acc[16];
                for (int q = 0; q < 16; q++) acc[q] = _mm512_setzero_ps();
                for (int64_t kk = 0; kk < k; kk += 16) {
                    const __mmask16 mk = tail_mask(k - kk);
                    const __m512 av = _mm512_maskz_loadu_ps(mk, ai + kk);
                    for (int q = 0; q < 16; q++)
                        acc[q] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(mk, b + (j + q) * ldb + kk), acc[q]);
                }
                transpose16(acc);
                __m512 sum = acc[0];
                for (int q = 1; q < 16; q++) sum = _mm512_add_ps(sum, acc[q]);
                sum = _mm512_mul_ps(va, sum);
                if (beta != 0) sum = _mm512_fmadd_ps(vb, _mm512_loadu_ps(ci + j), sum);
                _mm512_storeu_ps(ci + j, sum);
            }
            for (; j + 4 <= n; j += 4) {
                const float *b0 = b + j * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
                __m512 s0 = _mm512_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
                for (int64_t kk = 0; kk < k; kk += 16) {
                    const __mmask16 mk = tail_mask(k - kk);
                    const __m512 av = _mm512_maskz_loadu_ps(mk, ai + kk);
                    s0 = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(mk, b0 + kk), s0);
                    s1 = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(mk, b1 + kk), s1);
                    s2 = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(mk, b2 + kk), s2);
                    s3 = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(mk, b3 + kk), s3);
                }
                store_scaled(ci + j, _mm512_reduce_add_ps(s0), alpha, beta);
                store_scaled(ci + j + 1, _mm512_reduce_add_ps(s1), alpha, beta);
                store_scaled(ci + j + 2, _mm512_reduce_add_ps(s2), alpha, beta);
                store_scaled(ci + j + 3, _mm512_reduce_add_ps(s3), alpha, beta);
            }
            for (; j < n; j++) {
                const float *bj = b + j * ldb;
                __m512 s0 = _mm512_setzero_ps();
                for (int64_t kk = 0; kk < k; kk += 16) {
                    const __mmask16 mk = tail_mask(k - kk);
                    s0 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mk, ai + kk), _mm512_maskz_loadu_ps(mk, bj + kk), s0);
                }
                store_scaled(ci + j, _mm512_reduce_add_ps(s0), alpha, beta);
            }
        } else {
            for (int64_t j0 = 0; j0 < n; j0 += 64) {
                const __mmask16 m0 = tail_mask(n - j0), m1 = tail_mask(n - j0 - 16 < 0 ? 0 : n - j0 - 16);
                const __mmask16 m2 = tail_mask(n - j0 - 32 < 0 ? 0 : n - j0 - 32), m3 = tail_mask(n - j0 - 48 < 0 ? 0 : n - j0 - 48);
                // Four rows of B per step into four accumulator sets: one FMA chain per
                // set and column block would make this loop latency-bound.
                __m512 acc[4][4];
                for (int u = 0; u < 4; u++)
                    for (int q = 0; q < 4; q++) acc[u][q] = _mm512_setzero_ps();
                const __mmask16 mm[4] = {m0, m1, m2, m3};
                int64_t kk = 0;
                for (; kk + 4 <= k; kk += 4)
                    for (int u = 0; u < 4; u++) {
                        const __m512 av = _mm512_set1_ps(ai[kk + u]);
                        const float *bk = b + (kk + u) * ldb + j0;
                        for (int q = 0; q < 4; q++)
                            acc[u][q] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(mm[q], bk + 16 * q), acc[u][q]);
                    }
                for (; kk < k; kk++) {
                    const __m512 av = _mm512_set1_ps(ai[kk]);
                    const float *bk = b + kk * ldb + j0;
                    for (int q = 0; q < 4; q++)
                        acc[0][q] = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(mm[q], bk + 16 * q), acc[0][q]);
                }
                __m512 s0 = _mm512_add_ps(_mm512_add_ps(acc[0][0], acc[1][0]), _mm512_add_ps(acc[2][0], acc[3][0]));
                __m512 s1 = _mm512_add_ps(_mm512_add_ps(acc[0][1], acc[1][1]), _mm512_add_ps(acc[2][1], acc[3][1]));
                __m512 s2 = _mm512_add_ps(_mm512_add_ps(acc[0][2], acc[1][2]), _mm512_add_ps(acc[2][2], acc[3][2]));
                __m512 s3 = _mm512_add_ps(_mm512_add_ps(acc[0][3], acc[1][3]), _mm512_add_ps(acc[2][3], acc[3][3]));
                const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
                __m512 r[4] = {s0, s1, s2, s3};
                for (int q = 0; q < 4; q++) {
                    __m512 v = _mm512_mul_ps(va, r[q]);
                    if (beta != 0) v = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(mm[q], ci + j0 + 16 * q), v);
                    _mm512_mask_storeu_ps(ci + j0 + 16 * q, mm[q], v);
                }
            }
        }
    }
}

// AVX2 version of sgemm_rows512 for machines without AVX-512 (same structure, 8 lanes,
// scalar tails).
#define KC_AVX2 __attribute__((target("avx2,fma")))
KC_AVX2 static inline float hsum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
}
KC_AVX2 static void sgemm_rows256(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
                                  const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                                  float *c, int64_t ldc) {
    float *arow = transA ? kc_scratch(3, k) : NULL;
    for (int64_t i = 0; i < m; i++) {
        const float *ai = a + i * lda;
        if (transA) {
            for (int64_t kk = 0; kk < k; kk++) arow[kk] = a[kk * lda + i];
            ai = arow;
        }
        float *ci = c + i * ldc;
        if (transB) {
            for (int64_t j = 0; j < n; j++) {
                const float *bj = b + j * ldb;
                __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
                int64_t kk = 0;
                for (; kk + 16 <= k; kk += 16) {
                    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(ai + kk), _mm256_loadu_ps(bj + kk), s0);
                    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(ai + kk + 8), _mm256_loadu_ps(bj + kk + 8), s1);
                }
                for (; kk + 8 <= k; kk += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(ai + kk), _mm256_loadu_ps(bj + kk), s0);
                float v = hsum8(_mm256_add_ps(s0, s1));
                for (; kk < k; kk++) v += ai[kk] * bj[kk];
                ci[j] = beta == 0 ? alpha * v : alpha * v + beta * ci[j];
            }
        } else {
            int64_t j0 = 0;
            for (; j0 + 32 <= n; j0 += 32) {
                __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
                for (int64_t kk = 0; kk < k; kk++) {
                    const __m256 av = _mm256_set1_ps(ai[kk]);
                    const float *bk = b + kk * ldb + j0;
                    s0 = _mm256_fmadd_ps(av, _mm256_loadu_ps(bk), s0);
                    s1 = _mm256_fmadd_ps(av, _mm256_loadu_ps(bk + 8), s1);
                    s2 = _mm256_fmadd_ps(av, _mm256_loadu_ps(bk + 16), s2);
                    s3 = _mm256_fmadd_ps(av, _mm256_loadu_ps(bk + 24), s3);
                }
                const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
                const __m256 r[4] = {s0, s1, s2, s3};
                for (int q = 0; q < 4; q++) {
                    __m256 v = _mm256_mul_ps(va, r[q]);
                    if (beta != 0) v = _mm256_fmadd_ps(vb, _mm256_loadu_ps(ci + j0 + 8 * q), v);
                    _mm256_storeu_ps(ci + j0 + 8 * q, v);
                }
            }
            for (int64_t j = j0; j < n; j++) {
                float v = 0;
                for (int64_t kk = 0; kk < k; kk++) v += ai[kk] * b[kk * ldb + j];
                ci[j] = beta == 0 ? alpha * v : alpha * v + beta * ci[j];
            }
        }
    }
}
#endif

void kc_sgemm(int transA, int transB, int64_t m, int64_t n, int64_t k, float alpha,
              const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
              float *c, int64_t ldc) {
    if (m <= 0 || n <= 0) return;
#if KC_X86
    // Worth packing only when each packed panel feeds a few rows of A.
    if (kc_has_avx512() && k > 0) {
        if (m >= 4) sgemm512(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        else sgemm_rows512(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (kc_has_avx2() && k > 0 && m < 4) {
        sgemm_rows256(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    kc_blas_init();
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                (kc_blasint)m, (kc_blasint)n, (kc_blasint)k, alpha, a, (kc_blasint)lda, b, (kc_blasint)ldb, beta,
                c, (kc_blasint)ldc);
}
