// Private: BaseServe's AVX-512 GEMM building blocks, shared by gemm.c (quantized weight
// tiles) and sgemm.c (attention). Static inline so each user compiles its own copy.
#pragma once
#include "kc_internal.h"

#define PANEL 32
#define MR 12

#if KC_X86
#define KC_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma,f16c")))

// C[i][0..31] = sum_k x[i*ldx + k] * panel[k][0..31] for i < mr (a constant after inlining).
KC_AVX512 static inline __attribute__((always_inline)) void ukernel(
    const float *panel, const float *x, int64_t ldx, int64_t K, float *y, int64_t ldy,
    __mmask16 m0, __mmask16 m1, const int mr, const int scaled, float alpha, float beta) {
    __m512 c0[MR], c1[MR];
    for (int i = 0; i < mr; i++) { c0[i] = _mm512_setzero_ps(); c1[i] = _mm512_setzero_ps(); }
    for (int64_t k = 0; k < K; k++) {
        const __m512 b0 = _mm512_load_ps(panel + k * PANEL), b1 = _mm512_load_ps(panel + k * PANEL + 16);
        for (int i = 0; i < mr; i++) {
            const __m512 a = _mm512_set1_ps(x[i * ldx + k]);
            c0[i] = _mm512_fmadd_ps(a, b0, c0[i]);
            c1[i] = _mm512_fmadd_ps(a, b1, c1[i]);
        }
    }
    if (scaled) {  // y = alpha*acc + beta*y; y is not read when beta is 0 (BLAS semantics)
        const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
        for (int i = 0; i < mr; i++) {
            __m512 v0 = _mm512_mul_ps(va, c0[i]), v1 = _mm512_mul_ps(va, c1[i]);
            if (beta != 0) {
                v0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, y + i * ldy), v0);
                v1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, y + i * ldy + 16), v1);
            }
            _mm512_mask_storeu_ps(y + i * ldy, m0, v0);
            _mm512_mask_storeu_ps(y + i * ldy + 16, m1, v1);
        }
        return;
    }
    for (int i = 0; i < mr; i++) {
        _mm512_mask_storeu_ps(y + i * ldy, m0, c0[i]);
        _mm512_mask_storeu_ps(y + i * ldy + 16, m1, c1[i]);
    }
}

#define UK(N) case N: if (scaled) ukernel(panel, x, ldx, K, y, ldy, m0, m1, N, 1, alpha, beta); \
                     else ukernel(panel, x, ldx, K, y, ldy, m0, m1, N, 0, 1, 0); break;
KC_AVX512 static inline void ukernel_any(const float *panel, const float *x, int64_t ldx, int64_t K, float *y,
                                         int64_t ldy, __mmask16 m0, __mmask16 m1, int mr, int scaled,
                                         float alpha, float beta) {
    switch (mr) { UK(1) UK(2) UK(3) UK(4) UK(5) UK(6) UK(7) UK(8) UK(9) UK(10) UK(11) UK(12) }
}
#undef UK

// Store masks for a panel with `left` valid columns.
static inline __mmask16 kc_mask_lo(int64_t left) { return left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1); }
static inline __mmask16 kc_mask_hi(int64_t left) {
    return left >= 32 ? 0xFFFF : left > 16 ? (__mmask16)((1u << (left - 16)) - 1) : 0;
}

// In-register transpose of a 16x16 block: r[i] holds row i; afterwards r[j] holds column j.
KC_AVX512 static inline void transpose16(__m512 r[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 8; i++) {
        t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // u[4i+j], 128-bit lane l: rows 4i..4i+3 of column 4l+j.
    for (int i = 0; i < 4; i++) {
        u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
        u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
        u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
        u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        const __m512 v0 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88), v1 = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);
        const __m512 v2 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88), v3 = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xDD);
        r[j] = _mm512_shuffle_f32x4(v0, v2, 0x88);
        r[8 + j] = _mm512_shuffle_f32x4(v0, v2, 0xDD);
        r[4 + j] = _mm512_shuffle_f32x4(v1, v3, 0x88);
        r[12 + j] = _mm512_shuffle_f32x4(v1, v3, 0xDD);
    }
}

#endif
