// Checks BaseServe's C kernels on any CPU, without Swift: every quantized type's fused
// dequantize-and-dot (kc_matvec_rows) for 1 to 12 tokens against a float64 dot over the
// dequantized rows, and the element-wise kernels against float64. Built and run under
// qemu by scripts/aarch64/check.sh, so the aarch64 (NEON and portable) paths can be
// checked on an x86 machine; it also builds natively.
#include "kc_quant.h"
#include "kc_vec.h"
#include "kc_internal.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;
static uint32_t next(void) { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }
static float uniform(void) { return (float)(next() % 2000001) / 1000000.0f - 1.0f; }
// A small finite half: sign, exponent 8..11 (about 0.008 to 0.06), random mantissa.
static uint16_t small_half(void) { return (uint16_t)((next() & 0x8000) | ((8 + next() % 4) << 10) | (next() & 0x3ff)); }
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }

// Random blocks with finite scales where each format keeps its fp16 fields.
static void fill(int type, uint8_t *w, int64_t bytes, int64_t count) {
    for (int64_t i = 0; i < bytes; i++) w[i] = (uint8_t)next();
    const int bb = kc_block_bytes(type), bs = kc_block_size(type);
    const int64_t blocks = count / bs;
    for (int64_t b = 0; b < blocks; b++) {
        uint8_t *p = w + b * bb;
        switch (type) {
        case KC_F32: { float f = uniform(); memcpy(p, &f, 4); break; }
        case KC_F16: put16(p, small_half()); break;
        case KC_BF16: { float f = uniform(); uint32_t u; memcpy(&u, &f, 4); put16(p, (uint16_t)(u >> 16)); break; }
        case KC_Q4_1: case KC_Q5_1: case KC_Q4_K: case KC_Q5_K: put16(p, small_half()); put16(p + 2, small_half()); break;
        case KC_Q6_K: put16(p + 208, small_half()); break;
        default: put16(p, small_half()); break;  // Q4_0, Q5_0, Q8_0: d first
        }
    }
}

static int failures = 0;
static void expect(int ok, const char *what, int type, int64_t tokens, double err) {
    if (!ok) { failures++; printf("FAIL %s type %d tokens %lld: error %.3g\n", what, type, (long long)tokens, err); }
}

static void check_matvec(int type, int64_t rows, int64_t cols) {
    const int64_t rb = cols / kc_block_size(type) * kc_block_bytes(type);
    uint8_t *w = malloc((size_t)(rows * rb));
    fill(type, w, rows * rb, rows * cols);
    float *dense = malloc(sizeof(float) * (size_t)(rows * cols));
    for (int64_t r = 0; r < rows; r++) kc_dequantize_row(type, w + r * rb, dense + r * cols, cols);
    for (int64_t tokens = 1; tokens <= 12; tokens++) {
        float *x = malloc(sizeof(float) * (size_t)(tokens * cols)), *y = malloc(sizeof(float) * (size_t)(tokens * rows));
        for (int64_t i = 0; i < tokens * cols; i++) x[i] = uniform();
        kc_matvec_rows(type, w, cols, 0, rows, x, tokens, y, rows);
        double worst = 0;
        for (int64_t t = 0; t < tokens; t++)
            for (int64_t r = 0; r < rows; r++) {
                double s = 0, m = 0;
                for (int64_t c = 0; c < cols; c++) {
                    const double p = (double)dense[r * cols + c] * x[t * cols + c];
                    s += p; m += fabs(p);
                }
                const double e = fabs(y[t * rows + r] - s) / (m > 1e-30 ? m : 1e-30);
                if (!(e <= worst)) worst = isnan(e) ? INFINITY : e;
            }
        expect(worst < 1e-5, "matvec", type, tokens, worst);
        free(x); free(y);
    }
    free(w); free(dense);
}

static void check_vec(void) {
    enum { N = 1000 };
    float x[N], g[N], u[N], out[N];
    double ss = 0;
    for (int i = 0; i < N; i++) { x[i] = uniform() * 4; g[i] = uniform(); u[i] = uniform(); ss += (double)x[i] * x[i]; }
    kc_rms_norm(x, g, N, 1e-5f, out);
    double worst = 0;
    for (int i = 0; i < N; i++) worst = fmax(worst, fabs(out[i] - x[i] / sqrt(ss / N + 1e-5) * g[i]));
    expect(worst < 1e-5, "rms_norm", 0, 0, worst);
    double mx = -INFINITY, z = 0;
    for (int i = 0; i < N; i++) mx = fmax(mx, x[i]);
    for (int i = 0; i < N; i++) z += exp(x[i] - mx);
    memcpy(out, x, sizeof x);
    kc_softmax(out, N);
    worst = 0;
    for (int i = 0; i < N; i++) worst = fmax(worst, fabs(out[i] - exp(x[i] - mx) / z));
    expect(worst < 1e-6, "softmax", 0, 0, worst);
    memcpy(out, g, sizeof g);
    kc_silu_mul(out, u, N);
    worst = 0;
    for (int i = 0; i < N; i++) worst = fmax(worst, fabs(out[i] - g[i] / (1 + exp(-(double)g[i])) * u[i]));
    expect(worst < 1e-6, "silu_mul", 0, 0, worst);
}

int main(void) {
    const int types[] = {KC_F32, KC_F16, KC_BF16, KC_Q4_0, KC_Q4_1, KC_Q5_0, KC_Q5_1, KC_Q8_0, KC_Q4_K, KC_Q5_K, KC_Q6_K};
    for (int level = 2; level >= 0; level--) {  // AVX-512, AVX2 or NEON, portable
        kc_set_simd_limit(level);
        if (kc_simd_level() != level) continue;  // a level this CPU lacks
        for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
            const int bs = kc_block_size(types[i]);
            check_matvec(types[i], 39, bs == 256 ? 512 : bs == 1 ? 50 : 96);
        }
        check_vec();
        printf("SIMD level %d: checked\n", level);
    }
    printf(failures ? "%d failures\n" : "all kernels agree with float64\n", failures);
    return failures != 0;
}
