#pragma once
#include <stddef.h>
#include <stdint.h>

// Type ids use ggml's numbering (GGMLType raw values).
enum {
    KC_F32 = 0, KC_F16 = 1, KC_Q4_0 = 2, KC_Q4_1 = 3, KC_Q5_0 = 6, KC_Q5_1 = 7,
    KC_Q8_0 = 8, KC_Q4_K = 12, KC_Q5_K = 13, KC_Q6_K = 14, KC_BF16 = 30,
};

// 1 when the type can be dequantized and multiplied by these kernels.
int kc_type_supported(int type);
// Decodes `count` elements (whole blocks) at `src` into `dst`, exactly as the format defines them.
void kc_dequantize_row(int type, const void *src, float *dst, int64_t count);

// Fused dequantize-and-dot for a few tokens: for rows r in [r0, r1) and tokens t in
// [0, tokens): y[t*ldy + r] = dot(W row r, x + t*cols). `w` is the whole matrix.
void kc_matvec_rows(int type, const void *w, int64_t cols, int64_t r0, int64_t r1,
                    const float *x, int64_t tokens, float *y, int64_t ldy);

// Testing aid: caps the SIMD paths used (0 portable, 1 up to AVX2, 2 up to AVX-512, the
// default); a cap never enables what the CPU lacks.
void kc_set_simd_limit(int level);
// The SIMD level the kernels use now: 2 AVX-512, 1 AVX2+FMA (NEON on aarch64), 0
// portable (the CPU's best, lowered by kc_set_simd_limit).
int kc_simd_level(void);
