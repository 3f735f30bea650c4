// Dequantization of every supported GGUF weight type, bit-exact with ggml's definitions
// (d*q, d*q + m, K-quant sub-block scales and mins). Contraction into FMA is disabled
// here so that d*q + m rounds twice, exactly like the reference implementations.
// The pragma comes first so that it also covers the intrinsics headers' inline functions.
#pragma clang fp contract(off)
#include "kc_quant.h"
#include "kc_internal.h"

int kc_block_size(int type) {
    switch (type) {
    case KC_F32: case KC_F16: case KC_BF16: return 1;
    case KC_Q4_0: case KC_Q4_1: case KC_Q5_0: case KC_Q5_1: case KC_Q8_0: return 32;
    case KC_Q4_K: case KC_Q5_K: case KC_Q6_K: return 256;
    default: return 0;
    }
}

int kc_block_bytes(int type) {
    switch (type) {
    case KC_F32: return 4;
    case KC_F16: case KC_BF16: return 2;
    case KC_Q4_0: return 18; case KC_Q4_1: return 20; case KC_Q5_0: return 22;
    case KC_Q5_1: return 24; case KC_Q8_0: return 34; case KC_Q4_K: return 144;
    case KC_Q5_K: return 176; case KC_Q6_K: return 210;
    default: return 0;
    }
}

int kc_type_supported(int type) { return kc_block_size(type) != 0; }

static int cpu_flag(int which) {
#if KC_X86
    static int cached[2] = {-1, -1};
    if (cached[which] < 0) {
        __builtin_cpu_init();
        cached[which] = which == 0
            ? (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"))
            : (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx2") &&
               __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c"));
    }
    return cached[which];
#else
    (void)which; return 0;
#endif
}
// Tests cap the SIMD level to check the AVX2 and portable code on this machine too.
static _Atomic int simd_limit = 2;
void kc_set_simd_limit(int level) { simd_limit = level; }
int kc_has_avx2(void) { return simd_limit >= 1 && cpu_flag(0); }
int kc_has_avx512(void) { return simd_limit >= 2 && cpu_flag(1); }
// NEON is part of every aarch64 CPU; it counts as level 1, so a cap of 0 still reaches
// the portable code there.
int kc_has_neon(void) {
#if defined(__aarch64__)
    return simd_limit >= 1;
#else
    return 0;
#endif
}
int kc_simd_level(void) { return kc_has_avx512() ? 2 : kc_has_avx2() || kc_has_neon() ? 1 : 0; }

// K-quant 6-bit scale and min of sub-block j (ggml's get_scale_min_k4).
static inline void scale_min_k4(int j, const uint8_t *q, uint8_t *d, uint8_t *m) {
    if (j < 4) { *d = q[j] & 63; *m = q[j + 4] & 63; }
    else {
        *d = (q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4);
        *m = (q[j + 4] >> 4) | ((q[j] >> 6) << 4);
    }
}

static void deq_q4_0(const kc_q4_0 *b, float *y) {
    const float d = kc_f16(b->d);
    for (int j = 0; j < 16; j++) {
        y[j] = (float)((b->qs[j] & 0xF) - 8) * d;
        y[j + 16] = (float)((b->qs[j] >> 4) - 8) * d;
    }
}
static void deq_q4_1(const kc_q4_1 *b, float *y) {
    const float d = kc_f16(b->d), m = kc_f16(b->m);
    for (int j = 0; j < 16; j++) {
        y[j] = (float)(b->qs[j] & 0xF) * d + m;
        y[j + 16] = (float)(b->qs[j] >> 4) * d + m;
    }
}
static void deq_q5_0(const kc_q5_0 *b, float *y) {
    const float d = kc_f16(b->d);
    uint32_t qh; memcpy(&qh, b->qh, 4);
    for (int j = 0; j < 16; j++) {
        const int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
        y[j] = (float)(((b->qs[j] & 0xF) | h0) - 16) * d;
        y[j + 16] = (float)(((b->qs[j] >> 4) | h1) - 16) * d;
    }
}
static void deq_q5_1(const kc_q5_1 *b, float *y) {
    const float d = kc_f16(b->d), m = kc_f16(b->m);
    uint32_t qh; memcpy(&qh, b->qh, 4);
    for (int j = 0; j < 16; j++) {
        const int h0 = ((qh >> j) << 4) & 0x10, h1 = (qh >> (j + 12)) & 0x10;
        y[j] = (float)((b->qs[j] & 0xF) | h0) * d + m;
        y[j + 16] = (float)((b->qs[j] >> 4) | h1) * d + m;
    }
}
static void deq_q8_0(const kc_q8_0 *b, float *y) {
    const float d = kc_f16(b->d);
    for (int j = 0; j < 32; j++) y[j] = (float)b->qs[j] * d;
}
static void deq_q4_k(const kc_q4_k *b, float *y) {
    const float d = kc_f16(b->d), dmin = kc_f16(b->dmin);
    const uint8_t *q = b->qs;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, q += 32) {
        uint8_t sc, m;
        scale_min_k4(is, b->scales, &sc, &m);
        const float d1 = d * sc, m1 = dmin * m;
        scale_min_k4(is + 1, b->scales, &sc, &m);
        const float d2 = d * sc, m2 = dmin * m;
        for (int l = 0; l < 32; l++) *y++ = d1 * (float)(q[l] & 0xF) - m1;
        for (int l = 0; l < 32; l++) *y++ = d2 * (float)(q[l] >> 4) - m2;
    }
}
static void deq_q5_k(const kc_q5_k *b, float *y) {
    const float d = kc_f16(b->d), dmin = kc_f16(b->dmin);
    const uint8_t *ql = b->qs, *qh = b->qh;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < 256; j += 64, is += 2, ql += 32, u1 <<= 2, u2 <<= 2) {
        uint8_t sc, m;
        scale_min_k4(is, b->scales, &sc, &m);
        const float d1 = d * sc, m1 = dmin * m;
        scale_min_k4(is + 1, b->scales, &sc, &m);
        const float d2 = d * sc, m2 = dmin * m;
        for (int l = 0; l < 32; l++) *y++ = d1 * (float)((ql[l] & 0xF) + (qh[l] & u1 ? 16 : 0)) - m1;
        for (int l = 0; l < 32; l++) *y++ = d2 * (float)((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
    }
}
static void deq_q6_k(const kc_q6_k *b, float *y) {
    const float d = kc_f16(b->d);
    const uint8_t *ql = b->ql, *qh = b->qh;
    const int8_t *sc = b->scales;
    for (int n = 0; n < 256; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
        for (int l = 0; l < 32; l++) {
            const int is = l / 16;
            const int q1 = (int8_t)((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = (int8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = (int8_t)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = (int8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * (float)sc[is] * (float)q1;
            y[l + 32] = d * (float)sc[is + 2] * (float)q2;
            y[l + 64] = d * (float)sc[is + 4] * (float)q3;
            y[l + 96] = d * (float)sc[is + 6] * (float)q4;
        }
    }
}

#if KC_X86
__attribute__((target("avx2,f16c")))
static void deq_f16_f16c(const uint16_t *s, float *y, int64_t n) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(s + i))));
    for (; i < n; i++) y[i] = kc_f16(s[i]);
}
#endif

#if KC_X86
// AVX-512 decoders for the formats BaseServe's models use: a separate multiply and add
// (never an FMA), so the values are bit-identical to the scalar definitions.
#define KC_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
KC_AVX512 static void deq512_q4_1(const kc_q4_1 *b, float *y, int64_t nb) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    for (int64_t i = 0; i < nb; i++, b++, y += 32) {
        const __m512 d = _mm512_set1_ps(_cvtsh_ss(b->d)), m = _mm512_set1_ps(_cvtsh_ss(b->m));
        const __m128i q = _mm_loadu_si128((const __m128i *)b->qs);
        const __m512 lo = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(q, mask)));
        const __m512 hi = _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_and_si128(_mm_srli_epi16(q, 4), mask)));
        _mm512_storeu_ps(y, _mm512_add_ps(_mm512_mul_ps(lo, d), m));
        _mm512_storeu_ps(y + 16, _mm512_add_ps(_mm512_mul_ps(hi, d), m));
    }
}
KC_AVX512 static void deq512_q4_0(const kc_q4_0 *b, float *y, int64_t nb) {
    const __m128i mask = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
    for (int64_t i = 0; i < nb; i++, b++, y += 32) {
        const __m512 d = _mm512_set1_ps(_cvtsh_ss(b->d));
        const __m128i q = _mm_loadu_si128((const __m128i *)b->qs);
        const __m128i lo = _mm_sub_epi8(_mm_and_si128(q, mask), eight);
        const __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), mask), eight);
        _mm512_storeu_ps(y, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(lo)), d));
        _mm512_storeu_ps(y + 16, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(hi)), d));
    }
}
KC_AVX512 static void deq512_q8_0(const kc_q8_0 *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b++, y += 32) {
        const __m512 d = _mm512_set1_ps(_cvtsh_ss(b->d));
        const __m128i q0 = _mm_loadu_si128((const __m128i *)b->qs), q1 = _mm_loadu_si128((const __m128i *)(b->qs + 16));
        _mm512_storeu_ps(y, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q0)), d));
        _mm512_storeu_ps(y + 16, _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(q1)), d));
    }
}

// 32 bytes -> two vectors of 16 floats.
KC_AVX512 static inline __m512 u8lo(__m256i q) { return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm256_castsi256_si128(q))); }
KC_AVX512 static inline __m512 u8hi(__m256i q) { return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm256_extracti128_si256(q, 1))); }
KC_AVX512 static inline __m512 i8lo(__m256i q) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm256_castsi256_si128(q))); }
KC_AVX512 static inline __m512 i8hi(__m256i q) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(_mm256_extracti128_si256(q, 1))); }

// K-quants: sub-block scale and min are formed in scalar float exactly as in the scalar
// code, then y = d1*q - m1 with a separate multiply and subtract.
KC_AVX512 static void deq512_q4_k(const kc_q4_k *b, float *y, int64_t nb) {
    const __m256i mask = _mm256_set1_epi8(0x0F);
    for (int64_t i = 0; i < nb; i++, b++) {
        const float d = _cvtsh_ss(b->d), dmin = _cvtsh_ss(b->dmin);
        for (int j = 0; j < 4; j++, y += 64) {
            uint8_t sc, m;
            scale_min_k4(2 * j, b->scales, &sc, &m);
            const __m512 d1 = _mm512_set1_ps(d * sc), m1 = _mm512_set1_ps(dmin * m);
            scale_min_k4(2 * j + 1, b->scales, &sc, &m);
            const __m512 d2 = _mm512_set1_ps(d * sc), m2 = _mm512_set1_ps(dmin * m);
            const __m256i q = _mm256_loadu_si256((const __m256i *)(b->qs + 32 * j));
            const __m256i lo = _mm256_and_si256(q, mask), hi = _mm256_and_si256(_mm256_srli_epi16(q, 4), mask);
            _mm512_storeu_ps(y, _mm512_sub_ps(_mm512_mul_ps(d1, u8lo(lo)), m1));
            _mm512_storeu_ps(y + 16, _mm512_sub_ps(_mm512_mul_ps(d1, u8hi(lo)), m1));
            _mm512_storeu_ps(y + 32, _mm512_sub_ps(_mm512_mul_ps(d2, u8lo(hi)), m2));
            _mm512_storeu_ps(y + 48, _mm512_sub_ps(_mm512_mul_ps(d2, u8hi(hi)), m2));
        }
    }
}
KC_AVX512 static void deq512_q5_k(const kc_q5_k *b, float *y, int64_t nb) {
    const __m256i mask = _mm256_set1_epi8(0x0F), one = _mm256_set1_epi8(1);
    for (int64_t i = 0; i < nb; i++, b++) {
        const float d = _cvtsh_ss(b->d), dmin = _cvtsh_ss(b->dmin);
        const __m256i qh = _mm256_loadu_si256((const __m256i *)b->qh);
        for (int j = 0; j < 4; j++, y += 64) {
            uint8_t sc, m;
            scale_min_k4(2 * j, b->scales, &sc, &m);
            const __m512 d1 = _mm512_set1_ps(d * sc), m1 = _mm512_set1_ps(dmin * m);
            scale_min_k4(2 * j + 1, b->scales, &sc, &m);
            const __m512 d2 = _mm512_set1_ps(d * sc), m2 = _mm512_set1_ps(dmin * m);
            const __m256i q = _mm256_loadu_si256((const __m256i *)(b->qs + 32 * j));
            // High bit of the low half is bit 2j of qh, of the high half bit 2j+1; either adds 16.
            const __m256i h1 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * j)), one), 4);
            const __m256i h2 = _mm256_slli_epi16(_mm256_and_si256(_mm256_srl_epi16(qh, _mm_cvtsi32_si128(2 * j + 1)), one), 4);
            const __m256i lo = _mm256_or_si256(_mm256_and_si256(q, mask), h1);
            const __m256i hi = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(q, 4), mask), h2);
            _mm512_storeu_ps(y, _mm512_sub_ps(_mm512_mul_ps(d1, u8lo(lo)), m1));
            _mm512_storeu_ps(y + 16, _mm512_sub_ps(_mm512_mul_ps(d1, u8hi(lo)), m1));
            _mm512_storeu_ps(y + 32, _mm512_sub_ps(_mm512_mul_ps(d2, u8lo(hi)), m2));
            _mm512_storeu_ps(y + 48, _mm512_sub_ps(_mm512_mul_ps(d2, u8hi(hi)), m2));
        }
    }
}
KC_AVX512 static void deq512_q6_k(const kc_q6_k *b, float *y, int64_t nb) {
    const __m256i mask = _mm256_set1_epi8(0x0F), three = _mm256_set1_epi8(3), bias = _mm256_set1_epi8(32);
    for (int64_t i = 0; i < nb; i++, b++) {
        const float d = _cvtsh_ss(b->d);
        for (int n = 0; n < 2; n++, y += 128) {
            const uint8_t *ql = b->ql + 64 * n, *qhp = b->qh + 32 * n;
            const int8_t *sc = b->scales + 8 * n;
            const __m256i l0 = _mm256_loadu_si256((const __m256i *)ql), l1 = _mm256_loadu_si256((const __m256i *)(ql + 32));
            const __m256i qh = _mm256_loadu_si256((const __m256i *)qhp);
            __m256i q[4];
            q[0] = _mm256_or_si256(_mm256_and_si256(l0, mask), _mm256_slli_epi16(_mm256_and_si256(qh, three), 4));
            q[1] = _mm256_or_si256(_mm256_and_si256(l1, mask), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 2), three), 4));
            q[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), mask), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 4), three), 4));
            q[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), mask), _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(qh, 6), three), 4));
            for (int g = 0; g < 4; g++) {
                const __m256i v = _mm256_sub_epi8(q[g], bias);
                _mm512_storeu_ps(y + 32 * g, _mm512_mul_ps(_mm512_set1_ps(d * (float)sc[2 * g]), i8lo(v)));
                _mm512_storeu_ps(y + 32 * g + 16, _mm512_mul_ps(_mm512_set1_ps(d * (float)sc[2 * g + 1]), i8hi(v)));
            }
        }
    }
}

// AVX2 versions of the same (8 lanes).
#define KC_AVX2 __attribute__((target("avx2,fma,f16c")))
KC_AVX2 static inline void store_u8x16(float *y, __m128i q, __m256 d, __m256 m, int add) {
    const __m256 a = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(q));
    const __m256 b = _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_srli_si128(q, 8)));
    _mm256_storeu_ps(y, add ? _mm256_add_ps(_mm256_mul_ps(a, d), m) : _mm256_mul_ps(a, d));
    _mm256_storeu_ps(y + 8, add ? _mm256_add_ps(_mm256_mul_ps(b, d), m) : _mm256_mul_ps(b, d));
}
KC_AVX2 static inline void store_i8x16(float *y, __m128i q, __m256 d) {
    _mm256_storeu_ps(y, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q)), d));
    _mm256_storeu_ps(y + 8, _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(q, 8))), d));
}
KC_AVX2 static void deq256_q4_1(const kc_q4_1 *b, float *y, int64_t nb) {
    const __m128i mask = _mm_set1_epi8(0x0F);
    for (int64_t i = 0; i < nb; i++, b++, y += 32) {
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(b->d)), m = _mm256_set1_ps(_cvtsh_ss(b->m));
        const __m128i q = _mm_loadu_si128((const __m128i *)b->qs);
        store_u8x16(y, _mm_and_si128(q, mask), d, m, 1);
        store_u8x16(y + 16, _mm_and_si128(_mm_srli_epi16(q, 4), mask), d, m, 1);
    }
}
KC_AVX2 static void deq256_q4_0(const kc_q4_0 *b, float *y, int64_t nb) {
    const __m128i mask = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
    for (int64_t i = 0; i < nb; i++, b++, y += 32) {
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(b->d));
        const __m128i q = _mm_loadu_si128((const __m128i *)b->qs);
        store_i8x16(y, _mm_sub_epi8(_mm_and_si128(q, mask), eight), d);
        store_i8x16(y + 16, _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), mask), eight), d);
    }
}
KC_AVX2 static void deq256_q8_0(const kc_q8_0 *b, float *y, int64_t nb) {
    for (int64_t i = 0; i < nb; i++, b++, y += 32) {
        const __m256 d = _mm256_set1_ps(_cvtsh_ss(b->d));
        store_i8x16(y, _mm_loadu_si128((const __m128i *)b->qs), d);
        store_i8x16(y + 16, _mm_loadu_si128((const __m128i *)(b->qs + 16)), d);
    }
}
#endif

void kc_dequantize_row(int type, const void *src, float *dst, int64_t count) {
    const uint8_t *s = (const uint8_t *)src;
#if KC_X86
    if (kc_has_avx512()) {
        switch (type) {
        case KC_Q4_1: deq512_q4_1((const kc_q4_1 *)src, dst, count / 32); return;
        case KC_Q4_0: deq512_q4_0((const kc_q4_0 *)src, dst, count / 32); return;
        case KC_Q8_0: deq512_q8_0((const kc_q8_0 *)src, dst, count / 32); return;
        case KC_Q4_K: deq512_q4_k((const kc_q4_k *)src, dst, count / 256); return;
        case KC_Q5_K: deq512_q5_k((const kc_q5_k *)src, dst, count / 256); return;
        case KC_Q6_K: deq512_q6_k((const kc_q6_k *)src, dst, count / 256); return;
        default: break;
        }
    } else if (kc_has_avx2()) {
        switch (type) {
        case KC_Q4_1: deq256_q4_1((const kc_q4_1 *)src, dst, count / 32); return;
        case KC_Q4_0: deq256_q4_0((const kc_q4_0 *)src, dst, count / 32); return;
        case KC_Q8_0: deq256_q8_0((const kc_q8_0 *)src, dst, count / 32); return;
        default: break;
        }
    }
#endif
    switch (type) {
    case KC_F32: memcpy(dst, src, (size_t)count * 4); return;
    case KC_F16:
#if KC_X86
        if (kc_has_avx2()) { deq_f16_f16c((const uint16_t *)src, dst, count); return; }
#endif
        for (int64_t i = 0; i < count; i++) dst[i] = kc_f16(kc_rd16(s + 2 * i));
        return;
    case KC_BF16:
        for (int64_t i = 0; i < count; i++) dst[i] = kc_bf16(kc_rd16(s + 2 * i));
        return;
    default: break;
    }
    const int bs = kc_block_size(type), bb = kc_block_bytes(type);
    const int64_t nb = count / bs;
    for (int64_t i = 0; i < nb; i++, s += bb, dst += bs) {
        switch (type) {
        case KC_Q4_0: deq_q4_0((const kc_q4_0 *)s, dst); break;
        case KC_Q4_1: deq_q4_1((const kc_q4_1 *)s, dst); break;
        case KC_Q5_0: deq_q5_0((const kc_q5_0 *)s, dst); break;
        case KC_Q5_1: deq_q5_1((const kc_q5_1 *)s, dst); break;
        case KC_Q8_0: deq_q8_0((const kc_q8_0 *)s, dst); break;
        case KC_Q4_K: deq_q4_k((const kc_q4_k *)s, dst); break;
        case KC_Q5_K: deq_q5_k((const kc_q5_k *)s, dst); break;
        case KC_Q6_K: deq_q6_k((const kc_q6_k *)s, dst); break;
        default: __builtin_trap();
        }
    }
}
