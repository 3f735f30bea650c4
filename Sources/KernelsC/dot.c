// Fused dequantize-and-dot for decode (one or a few tokens): each weight row is read
// once and dotted with every token's fp32 activations, so the matrix streams from
// memory exactly once per call. Activations stay fp32 (no int8 requantization), which
// keeps BaseServe's logprobs within 1e-3 of a float64 reference.
//
// Q4_1, Q4_0 and Q8_0 (the formats of the models we serve) have AVX-512, AVX2 and NEON
// kernels; other types decode a row into scratch and use a vector dot. Every path has a portable
// scalar fallback, picked at run time.
#include "kc_quant.h"
#include "kc_internal.h"

// Thread-local scratch for one dequantized row.
static float *row_scratch(int64_t n) { return kc_scratch(4, n); }

// Portable fp32 dot with independent partial sums (vectorises without -ffast-math).
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

static void matvec_generic(int type, const uint8_t *w, int64_t rb, int64_t cols, int64_t r0, int64_t r1,
                           const float *x, int64_t tokens, float *y, int64_t ldy) {
    float *row = row_scratch(cols);
    for (int64_t r = r0; r < r1; r++) {
        kc_dequantize_row(type, w + r * rb, row, cols);
        for (int64_t t = 0; t < tokens; t++) y[t * ldy + r] = dot_f32(row, x + t * cols, cols);
    }
}

#if KC_X86
#define KC_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))

// Block decoders: 32 weights as two vectors (elements 0-15 and 16-31). The dot paths may
// fuse d*q + m into one FMA; only dequantize_row promises the two-rounding exact values.
KC_AVX512 static inline void dec_q4_1(const kc_q4_1 *b, __m512 *lo, __m512 *hi) {
    // A 16-entry table of the block's 16 possible weights (d*q + m, one FMA), then a
    // permute per 16 weights looks them up: shuffle-port work instead of int-to-float
    // conversions on the FP ports, which the dot products need. vpermps reads only the
    // low 4 bits of each index, so the low nibble needs no mask.
    uint32_t dm; memcpy(&dm, b, 4);
    const __m128 f = _mm_cvtph_ps(_mm_cvtsi32_si128((int)dm));
    const __m512 d = _mm512_broadcastss_ps(f), m = _mm512_broadcastss_ps(_mm_movehdup_ps(f));
    const __m512 iota = _mm512_setr_ps(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m512 table = _mm512_fmadd_ps(iota, d, m);
    const __m512i q = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)b->qs));
    *lo = _mm512_permutexvar_ps(q, table);
    *hi = _mm512_permutexvar_ps(_mm512_srli_epi32(q, 4), table);
}
KC_AVX512 static inline void dec_q4_0(const kc_q4_0 *b, __m512 *lo, __m512 *hi) {
    const __m512 d = _mm512_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(b->d)));
    const __m512 iota = _mm512_setr_ps(-8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7);
    const __m512 table = _mm512_mul_ps(iota, d);  // same lookup as dec_q4_1
    const __m512i q = _mm512_cvtepu8_epi32(_mm_loadu_si128((const __m128i *)b->qs));
    *lo = _mm512_permutexvar_ps(q, table);
    *hi = _mm512_permutexvar_ps(_mm512_srli_epi32(q, 4), table);
}

// Copies n token rows of x into block-interleaved order: block i of token t at (i*n + t)*32.
static const float *interleave(const float *x, int64_t cols, int64_t n) {
    float *buf = kc_scratch(5, n * cols);
    const int64_t nb = cols / 32;
    for (int64_t i = 0; i < nb; i++)
        for (int64_t t = 0; t < n; t++) memcpy(buf + (i * n + t) * 32, x + t * cols + i * 32, 32 * sizeof(float));
    return buf;
}

// Rows [r0, r1) times T tokens (T <= 3, a compile-time constant after inlining). Two
// blocks per iteration feed four accumulators per token so FMA latency is hidden.
#define DEFINE_ROWS512(NAME, BLOCK, DEC)                                                          \
KC_AVX512 static inline __attribute__((always_inline)) void NAME##_t(                            \
    const uint8_t *w, int64_t rb, int64_t nb, int64_t r0, int64_t r1, const float *x,             \
    int64_t cols, float *y, int64_t ldy, const int T) {                                           \
    for (int64_t r = r0; r < r1; r++) {                                                           \
        const BLOCK *b = (const BLOCK *)(w + r * rb);                                             \
        __m512 acc[3][4];                                                                         \
        for (int t = 0; t < T; t++)                                                               \
            for (int a = 0; a < 4; a++) acc[t][a] = _mm512_setzero_ps();                          \
        int64_t i = 0;                                                                            \
        for (; i + 2 <= nb; i += 2) {                                                             \
            __m512 l0, h0, l1, h1;                                                                \
            DEC(b + i, &l0, &h0);                                                                 \
            DEC(b + i + 1, &l1, &h1);                                                             \
            for (int t = 0; t < T; t++) {                                                         \
                const float *xp = x + t * cols + i * 32;                                          \
                acc[t][0] = _mm512_fmadd_ps(l0, _mm512_loadu_ps(xp), acc[t][0]);                  \
                acc[t][1] = _mm512_fmadd_ps(h0, _mm512_loadu_ps(xp + 16), acc[t][1]);            \
                acc[t][2] = _mm512_fmadd_ps(l1, _mm512_loadu_ps(xp + 32), acc[t][2]);             \
                acc[t][3] = _mm512_fmadd_ps(h1, _mm512_loadu_ps(xp + 48), acc[t][3]);             \
            }                                                                                     \
        }                                                                                         \
        if (i < nb) {                                                                             \
            __m512 l0, h0;                                                                        \
            DEC(b + i, &l0, &h0);                                                                 \
            for (int t = 0; t < T; t++) {                                                         \
                const float *xp = x + t * cols + i * 32;                                          \
                acc[t][0] = _mm512_fmadd_ps(l0, _mm512_loadu_ps(xp), acc[t][0]);                  \
                acc[t][1] = _mm512_fmadd_ps(h0, _mm512_loadu_ps(xp + 16), acc[t][1]);            \
            }                                                                                     \
        }                                                                                         \
        for (int t = 0; t < T; t++)                                                               \
            y[t * ldy + r] = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(acc[t][0], acc[t][1]), \
                                                                _mm512_add_ps(acc[t][2], acc[t][3]))); \
    }                                                                                             \
}                                                                                                 \
/* 2..8 tokens: one accumulator per token, each block decoded once for all (measured */    \
/* faster than more accumulators per token once there are two tokens). x is interleaved */    \
/* block by block (see interleave()), so one pointer with constant offsets reaches every */   \
/* token and the loop needs no per-token address registers. */                                 \
/* is decoded once for all of them. */                                                          \
KC_AVX512 static inline __attribute__((always_inline)) void NAME##_w(                            \
    const uint8_t *w, int64_t rb, int64_t nb, int64_t r0, int64_t r1, const float *x,             \
    int64_t cols, float *y, int64_t ldy, const int T) {                                           \
    for (int64_t r = r0; r < r1; r++) {                                                           \
        const BLOCK *b = (const BLOCK *)(w + r * rb);                                             \
        __m512 acc[8];                                                                            \
        for (int t = 0; t < T; t++) acc[t] = _mm512_setzero_ps();                                 \
        for (int64_t i = 0; i < nb; i++) {                                                        \
            __m512 l0, h0;                                                                        \
            DEC(b + i, &l0, &h0);                                                                 \
            for (int t = 0; t < T; t++) {                                                         \
                const float *xp = x + (i * T + t) * 32;                                           \
                acc[t] = _mm512_fmadd_ps(h0, _mm512_loadu_ps(xp + 16),                            \
                                         _mm512_fmadd_ps(l0, _mm512_loadu_ps(xp), acc[t]));       \
            }                                                                                     \
        }                                                                                         \
        for (int t = 0; t < T; t++) y[t * ldy + r] = _mm512_reduce_add_ps(acc[t]);                \
    }                                                                                             \
}                                                                                                 \
KC_AVX512 static void NAME(const uint8_t *w, int64_t rb, int64_t cols, int64_t r0, int64_t r1,   \
                           const float *x, int64_t tokens, float *y, int64_t ldy) {               \
    const int64_t nb = cols / 32;                                                                 \
    for (int64_t t0 = 0; t0 < tokens;) {                                                          \
        const int64_t left = tokens - t0, n = left >= 8 ? 8 : left;                               \
        const float *xt = x + t0 * cols;                                                          \
        float *yt = y + t0 * ldy;                                                                 \
        if (n > 1) xt = interleave(xt, cols, n);                                                  \
        switch (n) {                                                                              \
        case 1: NAME##_t(w, rb, nb, r0, r1, xt, cols, yt, ldy, 1); break;                         \
        case 2: NAME##_w(w, rb, nb, r0, r1, xt, cols, yt, ldy, 2); break;                         \
        case 3: NAME##_w(w, rb, nb, r0, r1, xt, cols, yt, ldy, 3); break;                         \
        case 4: NAME##_w(w, rb, nb, r0, r1, xt, cols, yt, ldy, 4); break;                         \
        case 5: NAME##_w(w, rb, nb, r0, r1, xt, cols, yt, ldy, 5); break;                         \
        case 6: NAME##_w(w, rb, nb, r0, r1, xt, cols, yt, ldy, 6); break;                         \
        case 7: NAME##_w(w, rb, nb, r0, r1, xt, cols, yt, ldy, 7); break;                         \
        default: NAME##_w(w, rb, nb, r0, r1, xt, cols, yt, ldy, 8); break;                        \
        }                                                                                         \
        t0 += n;                                                                                  \
    }                                                                                             \
}

DEFINE_ROWS512(rows512_q4_1, kc_q4_1, dec_q4_1)
DEFINE_ROWS512(rows512_q4_0, kc_q4_0, dec_q4_0)

// One token (decode), two rows at a time: activation loads are shared and four chains
// stay in flight. Reading two rows interleaved defeats the hardware prefetcher, so the
// rows 16 ahead are prefetched explicitly (measured: the Q8_0 output matrix streams at
// ~40 GB/s on one thread with it, 12-25 GB/s without).
#define KC_PREFETCH_ROWS 16
#define DEFINE_PAIR512(NAME, BLOCK, DEC)                                                          \
KC_AVX512 static void NAME(const uint8_t *w, int64_t rb, int64_t nb, int64_t r0, int64_t r1,     \
                           const float *x, float *y) {                                            \
    int64_t r = r0;                                                                               \
    for (; r + 2 <= r1; r += 2) {                                                                 \
        const BLOCK *b0 = (const BLOCK *)(w + r * rb), *b1 = (const BLOCK *)(w + (r + 1) * rb);   \
        __m512 a00 = _mm512_setzero_ps(), a01 = a00, a10 = a00, a11 = a00;                        \
        for (int64_t i = 0; i < nb; i++) {                                                        \
            _mm_prefetch((const char *)(b0 + i) + KC_PREFETCH_ROWS * rb, _MM_HINT_T0);            \
            _mm_prefetch((const char *)(b1 + i) + KC_PREFETCH_ROWS * rb, _MM_HINT_T0);            \
            const __m512 xl = _mm512_loadu_ps(x + i * 32), xh = _mm512_loadu_ps(x + i * 32 + 16); \
            __m512 l0, h0, l1, h1;                                                                \
            DEC(b0 + i, &l0, &h0);                                                                \
            DEC(b1 + i, &l1, &h1);                                                                \
            a00 = _mm512_fmadd_ps(l0, xl, a00);                                                   \
            a01 = _mm512_fmadd_ps(h0, xh, a01);                                                   \
            a10 = _mm512_fmadd_ps(l1, xl, a10);                                                   \
            a11 = _mm512_fmadd_ps(h1, xh, a11);                                                   \
        }                                                                                         \
        y[r] = _mm512_reduce_add_ps(_mm512_add_ps(a00, a01));                                     \
        y[r + 1] = _mm512_reduce_add_ps(_mm512_add_ps(a10, a11));                                 \
    }                                                                                             \
    if (r < r1) {                                                                                 \
        const BLOCK *b0 = (const BLOCK *)(w + r * rb);                                            \
        __m512 a00 = _mm512_setzero_ps(), a01 = a00;                                              \
        for (int64_t i = 0; i < nb; i++) {                                                        \
            __m512 l0, h0;                                                                        \
            DEC(b0 + i, &l0, &h0);                                                                \
            a00 = _mm512_fmadd_ps(l0, _mm512_loadu_ps(x + i * 32), a00);                          \
            a01 = _mm512_fmadd_ps(h0, _mm512_loadu_ps(x + i * 32 + 16), a01);                     \
        }                                                                                         \
        y[r] = _mm512_reduce_add_ps(_mm512_add_ps(a00, a01));                                     \
    }                                                                                             \
}

DEFINE_PAIR512(pair512_q4_1, kc_q4_1, dec_q4_1)
DEFINE_PAIR512(pair512_q4_0, kc_q4_0, dec_q4_0)

KC_AVX512 static inline void dec_q8_0(const kc_q8_0 *b, __m512 *lo, __m512 *hi) {
    const __m512 d = _mm512_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(b->d)));
    *lo = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)b->qs))), d);
    *hi = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b->qs + 16)))), d);
}
// Several tokens: decode once per block, shared by all of them.
DEFINE_ROWS512(rows512_q8_0_many, kc_q8_0, dec_q8_0)

// Q8_0 has no offset, so the block scale can be applied after the dot of the raw
// integers with x: one multiply fewer per 16 weights than decoding first.
KC_AVX512 static inline __attribute__((always_inline)) void rows512_q8_0_t(
    const uint8_t *w, int64_t rb, int64_t nb, int64_t r0, int64_t r1, const float *x,
    int64_t cols, float *y, int64_t ldy, const int T) {
    for (int64_t r = r0; r < r1; r++) {
        const kc_q8_0 *b = (const kc_q8_0 *)(w + r * rb);
        __m512 acc[3][2];
        for (int t = 0; t < T; t++) acc[t][0] = acc[t][1] = _mm512_setzero_ps();
        for (int64_t i = 0; i < nb; i++) {
            const __m512 d = _mm512_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(b[i].d)));
            const __m512 lo = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)b[i].qs)));
            const __m512 hi = _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b[i].qs + 16))));
            for (int t = 0; t < T; t++) {
                const float *xp = x + t * cols + i * 32;
                const __m512 s = _mm512_fmadd_ps(hi, _mm512_loadu_ps(xp + 16), _mm512_mul_ps(lo, _mm512_loadu_ps(xp)));
                acc[t][i & 1] = _mm512_fmadd_ps(d, s, acc[t][i & 1]);
            }
        }
        for (int t = 0; t < T; t++) y[t * ldy + r] = _mm512_reduce_add_ps(_mm512_add_ps(acc[t][0], acc[t][1]));
    }
}
// Q8_0, one token, two rows at a time (see DEFINE_PAIR512), block scale after the dot.
KC_AVX512 static void rows512_q8_0_pair(const uint8_t *w, int64_t rb, int64_t nb, int64_t r0, int64_t r1,
                                        const float *x, float *y) {
    int64_t r = r0;
    for (; r + 2 <= r1; r += 2) {
        const kc_q8_0 *b0 = (const kc_q8_0 *)(w + r * rb), *b1 = (const kc_q8_0 *)(w + (r + 1) * rb);
        __m512 a00 = _mm512_setzero_ps(), a01 = a00, a10 = a00, a11 = a00;
        for (int64_t i = 0; i < nb; i++) {
            _mm_prefetch((const char *)(b0 + i) + KC_PREFETCH_ROWS * rb, _MM_HINT_T0);
            _mm_prefetch((const char *)(b1 + i) + KC_PREFETCH_ROWS * rb, _MM_HINT_T0);
            const __m512 xl = _mm512_loadu_ps(x + i * 32), xh = _mm512_loadu_ps(x + i * 32 + 16);
            const __m512 d0 = _mm512_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(b0[i].d)));
            const __m512 d1 = _mm512_broadcastss_ps(_mm_cvtph_ps(_mm_cvtsi32_si128(b1[i].d)));
            const __m512 s0 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b0[i].qs + 16)))), xh,
                                              _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)b0[i].qs))), xl));
            const __m512 s1 = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)(b1[i].qs + 16)))), xh,
                                              _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm_loadu_si128((const __m128i *)b1[i].qs))), xl));
            if (i & 1) { a01 = _mm512_fmadd_ps(d0, s0, a01); a11 = _mm512_fmadd_ps(d1, s1, a11); }
            else { a00 = _mm512_fmadd_ps(d0, s0, a00); a10 = _mm512_fmadd_ps(d1, s1, a10); }
        }
        y[r] = _mm512_reduce_add_ps(_mm512_add_ps(a00, a01));
        y[r + 1] = _mm512_reduce_add_ps(_mm512_add_ps(a10, a11));
    }
    if (r < r1) rows512_q8_0_t(w, rb, nb, r, r1, x, nb * 32, y, 0, 1);
}

KC_AVX512 static float dot512(const float *a, const float *b, int64_t n) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps(), s2 = _mm512_setzero_ps(), s3 = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
        s1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16), s1);
        s2 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 32), _mm512_loadu_ps(b + i + 32), s2);
        s3 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 48), _mm512_loadu_ps(b + i + 48), s3);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), s0);
    if (i < n) {
        const __mmask16 k = (__mmask16)((1u << (n - i)) - 1);
        s1 = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(k, a + i), _mm512_maskz_loadu_ps(k, b + i), s1);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(s0, s1), _mm512_add_ps(s2, s3)));
}

KC_AVX512 static void matvec_generic512(int type, const uint8_t *w, int64_t rb, int64_t cols, int64_t r0, int64_t r1,
                                        const float *x, int64_t tokens, float *y, int64_t ldy) {
    float *scratch = type == KC_F32 ? NULL : row_scratch(cols);
    for (int64_t r = r0; r < r1; r++) {
        const float *row = (const float *)(w + r * rb);
        if (scratch) { kc_dequantize_row(type, w + r * rb, scratch, cols); row = scratch; }
        for (int64_t t = 0; t < tokens; t++) y[t * ldy + r] = dot512(row, x + t * cols, cols);
    }
}

// AVX2: the same scheme with 8 lanes; a block is four vectors.
#define KC_AVX2 __attribute__((target("avx2,fma,f16c")))
KC_AVX2 static inline void u8x16_ps(__m128i q, __m256 *a, __m256 *b) {
    *a = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(q));
    *b = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(q, 8)));
}
KC_AVX2 static inline void i8x16_ps(__m128i q, __m256 *a, __m256 *b) {
    *a = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q));
    *b = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q, 8)));
}
KC_AVX2 static inline void dec256_q4_1(const kc_q4_1 *b, __m256 v[4]) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(b->d)), m = _mm256_set1_ps(_cvtsh_ss(b->m));
    const __m128i q = _mm_loadu_si128((const __m128i *)b->qs), mask = _mm_set1_epi8(0x0F);
    u8x16_ps(_mm_and_si128(q, mask), &v[0], &v[1]);
    u8x16_ps(_mm_and_si128(_mm_srli_epi16(q, 4), mask), &v[2], &v[3]);
    for (int i = 0; i < 4; i++) v[i] = _mm256_fmadd_ps(v[i], d, m);
}
KC_AVX2 static inline void dec256_q4_0(const kc_q4_0 *b, __m256 v[4]) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(b->d));
    const __m128i q = _mm_loadu_si128((const __m128i *)b->qs), mask = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
    i8x16_ps(_mm_sub_epi8(_mm_and_si128(q, mask), eight), &v[0], &v[1]);
    i8x16_ps(_mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), mask), eight), &v[2], &v[3]);
    for (int i = 0; i < 4; i++) v[i] = _mm256_mul_ps(v[i], d);
}
KC_AVX2 static inline void dec256_q8_0(const kc_q8_0 *b, __m256 v[4]) {
    const __m256 d = _mm256_set1_ps(_cvtsh_ss(b->d));
    i8x16_ps(_mm_loadu_si128((const __m128i *)b->qs), &v[0], &v[1]);
    i8x16_ps(_mm_loadu_si128((const __m128i *)(b->qs + 16)), &v[2], &v[3]);
    for (int i = 0; i < 4; i++) v[i] = _mm256_mul_ps(v[i], d);
}
KC_AVX2 static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

// Rows [r0, r1) times T <= 2 tokens; four accumulators per token, one per block quarter.
// (One token alone goes to the quad256 kernels below.)
#define DEFINE_ROWS256(NAME, BLOCK, DEC)                                                          \
KC_AVX2 static inline __attribute__((always_inline)) void NAME##_t(                              \
    const uint8_t *w, int64_t rb, int64_t nb, int64_t r0, int64_t r1, const float *x,             \
    int64_t cols, float *y, int64_t ldy, const int T) {                                           \
    for (int64_t r = r0; r < r1; r++) {                                                           \
        const BLOCK *b = (const BLOCK *)(w + r * rb);                                             \
        __m256 acc[2][4];                                                                         \
        for (int t = 0; t < T; t++)                                                               \
            for (int a = 0; a < 4; a++) acc[t][a] = _mm256_setzero_ps();                          \
        for (int64_t i = 0; i < nb; i++) {                                                        \
            __m256 v[4];                                                                          \
            DEC(b + i, v);                                                                        \
            for (int t = 0; t < T; t++)                                                           \
                for (int a = 0; a < 4; a++)                                                       \
                    acc[t][a] = _mm256_fmadd_ps(v[a], _mm256_loadu_ps(x + t * cols + i * 32 + 8 * a), acc[t][a]); \
        }                                                                                         \
        for (int t = 0; t < T; t++)                                                               \
            y[t * ldy + r] = hsum256(_mm256_add_ps(_mm256_add_ps(acc[t][0], acc[t][1]),           \
                                                   _mm256_add_ps(acc[t][2], acc[t][3])));         \
    }                                                                                             \
}                                                                                                 \
/* 3..8 tokens (several sequences decoding together): each block is decoded once for all */  \
/* of them, x interleaved block by block as in the AVX-512 path. Up to 4 tokens get two */     \
/* accumulators each, so the FMA chains stay shorter than the work per block. */               \
KC_AVX2 static inline __attribute__((always_inline)) void NAME##_w(                              \
    const uint8_t *w, int64_t rb, int64_t nb, int64_t r0, int64_t r1, const float *x,             \
    float *y, int64_t ldy, const int T) {                                                         \
    const int split = T <= 4;                                                                     \
    for (int64_t r = r0; r < r1; r++) {                                                           \
        const BLOCK *b = (const BLOCK *)(w + r * rb);                                             \
        __m256 acc[8][2];                                                                         \
        for (int t = 0; t < T; t++) acc[t][0] = acc[t][1] = _mm256_setzero_ps();                  \
        for (int64_t i = 0; i < nb; i++) {                                                        \
            __m256 v[4];                                                                          \
            DEC(b + i, v);                                                                        \
            for (int t = 0; t < T; t++) {                                                         \
                const float *xp = x + (i * T + t) * 32;                                           \
                acc[t][0] = _mm256_fmadd_ps(v[1], _mm256_loadu_ps(xp + 8),                        \
                                            _mm256_fmadd_ps(v[0], _mm256_loadu_ps(xp), acc[t][0])); \
                acc[t][split] = _mm256_fmadd_ps(v[3], _mm256_loadu_ps(xp + 24),                   \
                                                _mm256_fmadd_ps(v[2], _mm256_loadu_ps(xp + 16), acc[t][split])); \
            }                                                                                     \
        }                                                                                         \
        for (int t = 0; t < T; t++) y[t * ldy + r] = hsum256(_mm256_add_ps(acc[t][0], acc[t][1])); \
    }                                                                                             \
}                                                                                                 \
KC_AVX2 static void NAME(const uint8_t *w, int64_t rb, int64_t cols, int64_t r0, int64_t r1,     \
                         const float *x, int64_t tokens, float *y, int64_t ldy) {                 \
    const int64_t nb = cols / 32;                                                                 \
    for (int64_t t0 = 0; t0 < tokens;) {                                                          \
        const int64_t left = tokens - t0, n = left >= 8 ? 8 : left;                               \
        const float *xt = x + t0 * cols;                                                          \
        float *yt = y + t0 * ldy;                                                                 \
        if (n > 2) xt = interleave(xt, cols, n);                                                  \
        switch (n) {                                                                              \
        case 1: NAME##_t(w, rb, nb, r0, r1, xt, cols, yt, ldy, 1); break;                         \
        case 2: NAME##_t(w, rb, nb, r0, r1, xt, cols, yt, ldy, 2); break;                         \
        case 3: NAME##_w(w, rb, nb, r0, r1, xt, yt, ldy, 3); break;                               \
        case 4: NAME##_w(w, rb, nb, r0, r1, xt, yt, ldy, 4); break;                               \
        case 5: NAME##_w(w, rb, nb, r0, r1, xt, yt, ldy, 5); break;                               \
        case 6: NAME##_w(w, rb, nb, r0, r1, xt, yt, ldy, 6); break;                               \
        case 7: NAME##_w(w, rb, nb, r0, r1, xt, yt, ldy, 7); break;                               \
        default: NAME##_w(w, rb, nb, r0, r1, xt, yt, ldy, 8); break;                              \
        }                                                                                         \
        t0 += n;                                                                                  \
    }                                                                                             \
}

DEFINE_ROWS256(rows256_q4_1, kc_q4_1, dec256_q4_1)
DEFINE_ROWS256(rows256_q4_0, kc_q4_0, dec256_q4_0)
DEFINE_ROWS256(rows256_q8_0, kc_q8_0, dec256_q8_0)

// One token (decode) on AVX2, four rows per pass. A core converts 8 integers to floats per
// instruction and has two FMA pipes, so converting and scaling every weight (the rows256 path
// above: cvt, d*q + m, then the dot) is what bounds decode on one core. Here each weight gets one
// conversion and one FMA: a block's dot is d * (q . x) + m * sum(x), where sum(x) per block
// (as 8 lane partial sums) is formed once per call, not per row. Q4_0 is the same with unsigned
// nibbles and m = -8d. Four rows share every activation load, and the rows 16 ahead are
// prefetched as in the AVX-512 pair kernels. The order of the additions differs from the
// dequantize-then-dot paths by rounding only (checked against a float64 dot in MatMulTests).
KC_AVX2 static const float *block_sums256(const float *x, int64_t nb) {
    float *buf = kc_scratch(6, nb * 8);
    for (int64_t i = 0; i < nb; i++) {
        const float *xp = x + i * 32;
        _mm256_store_ps(buf + i * 8, _mm256_add_ps(_mm256_add_ps(_mm256_loadu_ps(xp), _mm256_loadu_ps(xp + 8)),
                                                   _mm256_add_ps(_mm256_loadu_ps(xp + 16), _mm256_loadu_ps(xp + 24))));
    }
    return buf;
}
// The block's scale d and offset m, each broadcast.
KC_AVX2 static inline void scales256_q4_1(const kc_q4_1 *b, __m256 *d, __m256 *m) {
    uint32_t dm; memcpy(&dm, b, 4);  // d and m are adjacent halves: one conversion for both
    const __m256 f = _mm256_castps128_ps256(_mm_cvtph_ps(_mm_cvtsi32_si128((int)dm)));
    *d = _mm256_permutevar8x32_ps(f, _mm256_setzero_si256());
    *m = _mm256_permutevar8x32_ps(f, _mm256_set1_epi32(1));
}
KC_AVX2 static inline void scales256_q4_0(const kc_q4_0 *b, __m256 *d, __m256 *m) {
    *d = _mm256_set1_ps(_cvtsh_ss(b->d));
    *m = _mm256_mul_ps(*d, _mm256_set1_ps(-8.0f));  // exact: a power of two
}
// q . x for one block of 32 nibbles (unsigned, no offset).
KC_AVX2 static inline __m256 nibble_dot256(const uint8_t *qs, const float *xp) {
    const __m256i mask = _mm256_set1_epi32(15);
    const __m256i t0 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)qs));       // bytes 0-7
    const __m256i t1 = _mm256_cvtepu8_epi32(_mm_loadl_epi64((const __m128i *)(qs + 8))); // bytes 8-15
    __m256 p = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_and_si256(t0, mask)), _mm256_loadu_ps(xp));
    p = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_and_si256(t1, mask)), _mm256_loadu_ps(xp + 8), p);
    p = _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(t0, 4)), _mm256_loadu_ps(xp + 16), p);
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(t1, 4)), _mm256_loadu_ps(xp + 24), p);
}
#define DEFINE_QUAD256_Q4(NAME, BLOCK, SCALES)                                                    \
KC_AVX2 static void NAME(const uint8_t *w, int64_t rb, int64_t nb, int64_t r0, int64_t r1,       \
                         const float *x, float *y) {                                              \
    const float *xs = block_sums256(x, nb);                                                       \
    int64_t r = r0;                                                                               \
    for (; r + 4 <= r1; r += 4) {                                                                 \
        const BLOCK *b[4];                                                                        \
        __m256 ad[4], am[4];                                                                      \
        for (int k = 0; k < 4; k++) {                                                             \
            b[k] = (const BLOCK *)(w + (r + k) * rb);                                             \
            ad[k] = am[k] = _mm256_setzero_ps();                                                  \
        }                                                                                         \
        for (int64_t i = 0; i < nb; i++) {                                                        \
            const __m256 s = _mm256_load_ps(xs + i * 8);                                          \
            for (int k = 0; k < 4; k++) {                                                         \
                _mm_prefetch((const char *)(b[k] + i) + KC_PREFETCH_ROWS * rb, _MM_HINT_T0);      \
                __m256 d, m;                                                                      \
                SCALES(b[k] + i, &d, &m);                                                         \
                ad[k] = _mm256_fmadd_ps(d, nibble_dot256(b[k][i].qs, x + i * 32), ad[k]);        \
                am[k] = _mm256_fmadd_ps(m, s, am[k]);                                             \
            }                                                                                     \
        }                                                                                         \
        for (int k = 0; k < 4; k++) y[r + k] = hsum256(_mm256_add_ps(ad[k], am[k]));              \
    }                                                                                             \
    for (; r < r1; r++) {                                                                         \
        const BLOCK *b = (const BLOCK *)(w + r * rb);                                             \
        __m256 ad = _mm256_setzero_ps(), am = ad;                                                 \
        for (int64_t i = 0; i < nb; i++) {                                                        \
            __m256 d, m;                                                                          \
            SCALES(b + i, &d, &m);                                                                \
            ad = _mm256_fmadd_ps(d, nibble_dot256(b[i].qs, x + i * 32), ad);                     \
            am = _mm256_fmadd_ps(m, _mm256_load_ps(xs + i * 8), am);                              \
        }                                                                                         \
        y[r] = hsum256(_mm256_add_ps(ad, am));                                                    \
    }                                                                                             \
}
DEFINE_QUAD256_Q4(quad256_q4_1, kc_q4_1, scales256_q4_1)
DEFINE_QUAD256_Q4(quad256_q4_0, kc_q4_0, scales256_q4_0)

// Q8_0 the same way: d * (q . x) per block, four rows per pass.
KC_AVX2 static inline __m256 i8x8_ps(const int8_t *q) {
    return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_loadl_epi64((const __m128i *)q)));
}
KC_AVX2 static inline __m256 int8_dot256(const int8_t *qs, const float *xp) {
    __m256 p = _mm256_mul_ps(i8x8_ps(qs), _mm256_loadu_ps(xp));
    p = _mm256_fmadd_ps(i8x8_ps(qs + 8), _mm256_loadu_ps(xp + 8), p);
    p = _mm256_fmadd_ps(i8x8_ps(qs + 16), _mm256_loadu_ps(xp + 16), p);
    return _mm256_fmadd_ps(i8x8_ps(qs + 24), _mm256_loadu_ps(xp + 24), p);
}
KC_AVX2 static void quad256_q8_0(const uint8_t *w, int64_t rb, int64_t nb, int64_t r0, int64_t r1,
                                 const float *x, float *y) {
    int64_t r = r0;
    for (; r + 4 <= r1; r += 4) {
        const kc_q8_0 *b[4];
        __m256 a[4];
        for (int k = 0; k < 4; k++) {
            b[k] = (const kc_q8_0 *)(w + (r + k) * rb);
            a[k] = _mm256_setzero_ps();
        }
        for (int64_t i = 0; i < nb; i++)
            for (int k = 0; k < 4; k++) {
                _mm_prefetch((const char *)(b[k] + i) + KC_PREFETCH_ROWS * rb, _MM_HINT_T0);
                a[k] = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(b[k][i].d)), int8_dot256(b[k][i].qs, x + i * 32), a[k]);
            }
        for (int k = 0; k < 4; k++) y[r + k] = hsum256(a[k]);
    }
    for (; r < r1; r++) {
        const kc_q8_0 *b = (const kc_q8_0 *)(w + r * rb);
        __m256 a = _mm256_setzero_ps();
        for (int64_t i = 0; i < nb; i++)
            a = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(b[i].d)), int8_dot256(b[i].qs, x + i * 32), a);
        y[r] = hsum256(a);
    }
}

KC_AVX2 static float dot256(const float *a, const float *b, int64_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps(), s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

KC_AVX2 static void matvec_generic256(int type, const uint8_t *w, int64_t rb, int64_t cols, int64_t r0, int64_t r1,
                                      const float *x, int64_t tokens, float *y, int64_t ldy) {
    float *scratch = type == KC_F32 ? NULL : row_scratch(cols);
    for (int64_t r = r0; r < r1; r++) {
        const float *row = (const float *)(w + r * rb);
        if (scratch) { kc_dequantize_row(type, w + r * rb, scratch, cols); row = scratch; }
        for (int64_t t = 0; t < tokens; t++) y[t * ldy + r] = dot256(row, x + t * cols, cols);
    }
}
#endif


#if defined(__aarch64__)
#include <arm_neon.h>
// aarch64: each block is decoded once into eight 4-lane vectors (d*q + m, Q4_0 with
// q - 8, Q8_0 with d*q) and dotted with up to 8 tokens' activations, one accumulator
// per token. Checked for exactness under qemu (scripts/aarch64/check.sh); not yet
// measured on ARM hardware, so no ARM-specific tuning.
static inline void dec_neon_q4(const uint8_t *qs, float d, float m, float32x4_t v[8]) {
    const uint8x16_t q = vld1q_u8(qs);
    const uint8x16_t nib[2] = {vandq_u8(q, vdupq_n_u8(0x0F)), vshrq_n_u8(q, 4)};  // weights 0-15, 16-31
    const float32x4_t dv = vdupq_n_f32(d), mv = vdupq_n_f32(m);
    for (int h = 0; h < 2; h++) {
        const uint16x8_t lo = vmovl_u8(vget_low_u8(nib[h])), hi = vmovl_u8(vget_high_u8(nib[h]));
        const uint16x4_t parts[4] = {vget_low_u16(lo), vget_high_u16(lo), vget_low_u16(hi), vget_high_u16(hi)};
        for (int k = 0; k < 4; k++) v[h * 4 + k] = vfmaq_f32(mv, vcvtq_f32_u32(vmovl_u16(parts[k])), dv);
    }
}
static inline void dec_neon(int type, const uint8_t *b, float32x4_t v[8]) {
    if (type == KC_Q4_1) {
        const kc_q4_1 *q = (const kc_q4_1 *)b;
        dec_neon_q4(q->qs, kc_f16(q->d), kc_f16(q->m), v);
    } else if (type == KC_Q4_0) {
        const kc_q4_0 *q = (const kc_q4_0 *)b;
        const float d = kc_f16(q->d);
        dec_neon_q4(q->qs, d, -8.0f * d, v);
    } else {
        const kc_q8_0 *q = (const kc_q8_0 *)b;
        const float32x4_t d = vdupq_n_f32(kc_f16(q->d));
        for (int h = 0; h < 2; h++) {
            const int8x16_t s = vld1q_s8(q->qs + 16 * h);
            const int16x8_t lo = vmovl_s8(vget_low_s8(s)), hi = vmovl_s8(vget_high_s8(s));
            const int16x4_t parts[4] = {vget_low_s16(lo), vget_high_s16(lo), vget_low_s16(hi), vget_high_s16(hi)};
            for (int k = 0; k < 4; k++) v[h * 4 + k] = vmulq_f32(vcvtq_f32_s32(vmovl_s16(parts[k])), d);
        }
    }
}
static void rows_neon(int type, const uint8_t *w, int64_t rb, int64_t cols, int64_t r0, int64_t r1,
                      const float *x, int64_t tokens, float *y, int64_t ldy) {
    const int64_t nb = cols / 32, bb = kc_block_bytes(type);
    for (int64_t t0 = 0; t0 < tokens; t0 += 8) {
        const int64_t n = tokens - t0 < 8 ? tokens - t0 : 8;
        for (int64_t r = r0; r < r1; r++) {
            float32x4_t acc[8];
            for (int64_t t = 0; t < n; t++) acc[t] = vdupq_n_f32(0);
            for (int64_t i = 0; i < nb; i++) {
                float32x4_t v[8];
                dec_neon(type, w + r * rb + i * bb, v);
                for (int64_t t = 0; t < n; t++) {
                    const float *xp = x + (t0 + t) * cols + i * 32;
                    for (int k = 0; k < 8; k++) acc[t] = vfmaq_f32(acc[t], v[k], vld1q_f32(xp + 4 * k));
                }
            }
            for (int64_t t = 0; t < n; t++) y[(t0 + t) * ldy + r] = vaddvq_f32(acc[t]);
        }
    }
}
#endif

void kc_matvec_rows(int type, const void *w, int64_t cols, int64_t r0, int64_t r1,
                    const float *x, int64_t tokens, float *y, int64_t ldy) {
    const uint8_t *wb = (const uint8_t *)w;
    const int64_t rb = cols / kc_block_size(type) * kc_block_bytes(type);
#if KC_X86
    if (kc_has_avx512()) {
        switch (type) {
        case KC_Q4_1:
            if (tokens == 1) pair512_q4_1(wb, rb, cols / 32, r0, r1, x, y);
            else rows512_q4_1(wb, rb, cols, r0, r1, x, tokens, y, ldy);
            return;
        case KC_Q4_0:
            if (tokens == 1) pair512_q4_0(wb, rb, cols / 32, r0, r1, x, y);
            else rows512_q4_0(wb, rb, cols, r0, r1, x, tokens, y, ldy);
            return;
        case KC_Q8_0:
            if (tokens == 1) rows512_q8_0_pair(wb, rb, cols / 32, r0, r1, x, y);
            else rows512_q8_0_many(wb, rb, cols, r0, r1, x, tokens, y, ldy);
            return;
        default: matvec_generic512(type, wb, rb, cols, r0, r1, x, tokens, y, ldy); return;
        }
    }
    if (kc_has_avx2()) {
        switch (type) {
        case KC_Q4_1:
            if (tokens == 1) quad256_q4_1(wb, rb, cols / 32, r0, r1, x, y);
            else rows256_q4_1(wb, rb, cols, r0, r1, x, tokens, y, ldy);
            return;
        case KC_Q4_0:
            if (tokens == 1) quad256_q4_0(wb, rb, cols / 32, r0, r1, x, y);
            else rows256_q4_0(wb, rb, cols, r0, r1, x, tokens, y, ldy);
            return;
        case KC_Q8_0:
            if (tokens == 1) quad256_q8_0(wb, rb, cols / 32, r0, r1, x, y);
            else rows256_q8_0(wb, rb, cols, r0, r1, x, tokens, y, ldy);
            return;
        default: matvec_generic256(type, wb, rb, cols, r0, r1, x, tokens, y, ldy); return;
        }
    }
#endif
#if defined(__aarch64__)
    if (kc_has_neon() && (type == KC_Q4_1 || type == KC_Q4_0 || type == KC_Q8_0)) {
        rows_neon(type, wb, rb, cols, r0, r1, x, tokens, y, ldy);
        return;
    }
#endif
    matvec_generic(type, wb, rb, cols, r0, r1, x, tokens, y, ldy);
}
