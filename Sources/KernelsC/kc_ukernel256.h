// Private: BaseServe's AVX2+FMA GEMM building blocks (machines without AVX-512), the
// counterpart of kc_ukernel.h. A panel is 16 weight rows stored k-major ([k][16], two ymm
// per k); the register tile is 6 tokens x 16 rows: 12 accumulators, two panel vectors and
// one broadcast activation, 15 of the 16 ymm registers, so nothing spills.
#pragma once
#include "kc_internal.h"

#define PANEL256 16
#define MR256 6

#if KC_X86
#define KC_AVX2_GEMM __attribute__((target("avx2,fma,f16c")))

// Lane masks for the first `left` of 8 columns (all when left >= 8, none when <= 0).
KC_AVX2_GEMM static inline __m256i kc_mask256(int64_t left) {
    const int64_t l = left < 0 ? 0 : left > 8 ? 8 : left;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)l), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// y[i][0..left) = sum_k x[i*ldx + k] * panel[k][0..left) for i < mr (a constant after
// inlining); with `scaled`, y = alpha*acc + beta*y (y not read when beta is 0).
KC_AVX2_GEMM static inline __attribute__((always_inline)) void ukernel256(
    const float *panel, const float *x, int64_t ldx, int64_t K, float *y, int64_t ldy,
    int64_t left, const int mr, const int scaled, float alpha, float beta) {
    __m256 c0[MR256], c1[MR256];
    for (int i = 0; i < mr; i++) { c0[i] = _mm256_setzero_ps(); c1[i] = _mm256_setzero_ps(); }
    for (int64_t k = 0; k < K; k++) {
        const __m256 b0 = _mm256_load_ps(panel + k * PANEL256), b1 = _mm256_load_ps(panel + k * PANEL256 + 8);
        for (int i = 0; i < mr; i++) {
            const __m256 a = _mm256_broadcast_ss(x + i * ldx + k);
            c0[i] = _mm256_fmadd_ps(a, b0, c0[i]);
            c1[i] = _mm256_fmadd_ps(a, b1, c1[i]);
        }
    }
    if (scaled) {
        const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
        for (int i = 0; i < mr; i++) {
            c0[i] = _mm256_mul_ps(va, c0[i]);
            c1[i] = _mm256_mul_ps(va, c1[i]);
            if (beta != 0) {
                const __m256i m0 = kc_mask256(left), m1 = kc_mask256(left - 8);
                c0[i] = _mm256_fmadd_ps(vb, _mm256_maskload_ps(y + i * ldy, m0), c0[i]);
                c1[i] = _mm256_fmadd_ps(vb, _mm256_maskload_ps(y + i * ldy + 8, m1), c1[i]);
            }
        }
    }
    if (left >= PANEL256) {
        for (int i = 0; i < mr; i++) {
            _mm256_storeu_ps(y + i * ldy, c0[i]);
            _mm256_storeu_ps(y + i * ldy + 8, c1[i]);
        }
        return;
    }
    const __m256i m0 = kc_mask256(left), m1 = kc_mask256(left - 8);
    for (int i = 0; i < mr; i++) {
        _mm256_maskstore_ps(y + i * ldy, m0, c0[i]);
        _mm256_maskstore_ps(y + i * ldy + 8, m1, c1[i]);
    }
}

#define UK256(N) case N: if (scaled) ukernel256(panel, x, ldx, K, y, ldy, left, N, 1, alpha, beta); \
                        else ukernel256(panel, x, ldx, K, y, ldy, left, N, 0, 1, 0); break;
KC_AVX2_GEMM static inline void ukernel256_any(const float *panel, const float *x, int64_t ldx, int64_t K, float *y,
                                               int64_t ldy, int64_t left, int mr, int scaled, float alpha, float beta) {
    switch (mr) { UK256(1) UK256(2) UK256(3) UK256(4) UK256(5) UK256(6) }
}
#undef UK256

// In-register transpose of an 8x8 block: r[i] holds row i; afterwards r[j] holds column j.
KC_AVX2_GEMM static inline void transpose8(__m256 r[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // u[4i+j], 128-bit lane l: rows 4i..4i+3 of column 4l+j.
    for (int i = 0; i < 2; i++) {
        u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        r[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
        r[4 + j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
    }
}
#endif
