// Fused dequantize-and-dot for decode (one or a few tokens): each weight row is read
// once and dotted with every token's fp32 activations, so the matrix streams from
// memory exactly once per call. Activations stay fp32 (no int8 requantization).
#include "kc_quant.h"
#include "kc_internal.h"
#include <stdlib.h>

// Thread-local scratch for one dequantized row (grown on demand, never freed: one per thread).
static float *row_scratch(int64_t n) {
    static _Thread_local float *buf;
    static _Thread_local int64_t cap;
    if (cap < n) {
        free(buf);
        buf = aligned_alloc(64, (size_t)((n + 15) & ~15) * sizeof(float));
        cap = (n + 15) & ~15;
    }
    return buf;
}

// Plain fp32 dot with independent partial sums (portable, vectorises without -ffast-math).
static float dot_f32(const float *a, const float *b, int64_t n) {
    float acc[16] = {0};
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++) acc[l] += a[i + l] * b[i + l];
    float s = 0;
    for (; i < n; i++) s += a[i] * b[i];
    for (int l = 0; l < 16; l++) s += acc[l];
    return s;
}

static void matvec_generic(int type, const void *w, int64_t cols, int64_t r0, int64_t r1,
                           const float *x, int64_t tokens, float *y, int64_t ldy) {
    const int64_t rb = cols / kc_block_size(type) * kc_block_bytes(type);
    float *row = row_scratch(cols);
    for (int64_t r = r0; r < r1; r++) {
        kc_dequantize_row(type, (const uint8_t *)w + r * rb, row, cols);
        for (int64_t t = 0; t < tokens; t++) y[t * ldy + r] = dot_f32(row, x + t * cols, cols);
    }
}

void kc_matvec_rows(int type, const void *w, int64_t cols, int64_t r0, int64_t r1,
                    const float *x, int64_t tokens, float *y, int64_t ldy) {
    matvec_generic(type, w, cols, r0, r1, x, tokens, y, ldy);
}
