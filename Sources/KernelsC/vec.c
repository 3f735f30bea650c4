// Element-wise and reduction kernels of the forward pass and of logit scoring.
// Reductions that feed log-probabilities accumulate in double.
#include "kc_vec.h"
#include "kc_internal.h"
#include <math.h>

#if KC_X86
#define KC_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx2,fma")))

// exp(x) for 16 lanes, within ~2 ulp of expf: Cody-Waite reduction by ln 2, degree-6
// polynomial on [-ln2/2, ln2/2], then scalef by 2^n (which also underflows gracefully
// to 0, so -infinity inputs from attention masks give exactly 0).
KC_AVX512 static inline __m512 exp512(__m512 x) {
    x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-104.0f)), _mm512_set1_ps(88.7228f));
    const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                          _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
    return _mm512_scalef_ps(p, n);
}

KC_AVX512 static void silu_mul512(float *gate, const float *up, int64_t n) {
    int64_t i = 0;
    const __m512 one = _mm512_set1_ps(1.0f);
    for (; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        const __m512 g = _mm512_maskz_loadu_ps(k, gate + i), u = _mm512_maskz_loadu_ps(k, up + i);
        const __m512 e = exp512(_mm512_sub_ps(_mm512_setzero_ps(), g));
        _mm512_mask_storeu_ps(gate + i, k, _mm512_mul_ps(_mm512_div_ps(g, _mm512_add_ps(one, e)), u));
    }
}

// Writes exp(x - max) and returns their sum, accumulated in double.
KC_AVX512 static double exp_shifted_sum512(const float *x, float *out, int64_t n, float max) {
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    const __m512 m = _mm512_set1_ps(max);
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        const __m512 e = _mm512_maskz_mov_ps(k, exp512(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), m)));
        if (out) _mm512_mask_storeu_ps(out + i, k, e);
        s0 = _mm512_add_pd(s0, _mm512_cvtps_pd(_mm512_castps512_ps256(e)));
        s1 = _mm512_add_pd(s1, _mm512_cvtps_pd(_mm512_extractf32x8_ps(e, 1)));
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
}

KC_AVX512 static int64_t count_greater512(const float *x, int64_t n, float v) {
    int64_t c = 0;
    const __m512 vv = _mm512_set1_ps(v);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) c += __builtin_popcount(_mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), vv, _CMP_GT_OQ));
    for (; i < n; i++) c += x[i] > v;
    return c;
}

KC_AVX512 static float max512(const float *x, int64_t n) {
    __m512 m0 = _mm512_set1_ps(-INFINITY), m1 = m0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + i));
        m1 = _mm512_max_ps(m1, _mm512_loadu_ps(x + i + 16));
    }
    float r = _mm512_reduce_max_ps(_mm512_max_ps(m0, m1));
    for (; i < n; i++) r = x[i] > r ? x[i] : r;
    return r;
}

// Sum of squares in double: 16 floats widen to two vectors of 8 doubles.
KC_AVX512 static double sum_squares512(const float *x, int64_t n) {
    __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
    for (int64_t i = 0; i < n; i += 16) {
        const __mmask16 k = n - i >= 16 ? 0xFFFF : (__mmask16)((1u << (n - i)) - 1);
        const __m512 v = _mm512_maskz_loadu_ps(k, x + i);
        const __m512d lo = _mm512_cvtps_pd(_mm512_castps512_ps256(v)), hi = _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1));
        s0 = _mm512_fmadd_pd(lo, lo, s0);
        s1 = _mm512_fmadd_pd(hi, hi, s1);
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(s0, s1));
}

#define KC_AVX2 __attribute__((target("avx2,fma")))
// AVX2 exp: same reduction and polynomial; 2^n is built in the exponent bits, so inputs
// are clamped to the normal range and anything below it (masked -inf) gives exactly 0.
KC_AVX2 static inline __m256 exp256(__m256 x) {
    const __m256 tiny = _mm256_cmp_ps(x, _mm256_set1_ps(-87.0f), _CMP_LT_OQ);
    x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.0f)), _mm256_set1_ps(88.0f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    p = _mm256_fmadd_ps(_mm256_mul_ps(p, r), r, _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_andnot_ps(tiny, _mm256_mul_ps(p, _mm256_castsi256_ps(e)));
}

KC_AVX2 static int64_t silu_mul256(float *gate, const float *up, int64_t n) {
    int64_t i = 0;
    const __m256 one = _mm256_set1_ps(1.0f);
    for (; i + 8 <= n; i += 8) {
        const __m256 g = _mm256_loadu_ps(gate + i);
        const __m256 e = exp256(_mm256_sub_ps(_mm256_setzero_ps(), g));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(_mm256_div_ps(g, _mm256_add_ps(one, e)), _mm256_loadu_ps(up + i)));
    }
    return i;
}

// exp(x - max) for the first multiple of 8 entries (stored when out is set); the sum in
// double goes to *sum and the count done is returned.
KC_AVX2 static int64_t exp_shifted_sum256(const float *x, float *out, int64_t n, float max, double *sum) {
    __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
    const __m256 m = _mm256_set1_ps(max);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 e = exp256(_mm256_sub_ps(_mm256_loadu_ps(x + i), m));
        if (out) _mm256_storeu_ps(out + i, e);
        s0 = _mm256_add_pd(s0, _mm256_cvtps_pd(_mm256_castps256_ps128(e)));
        s1 = _mm256_add_pd(s1, _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
    }
    double lanes[4];
    _mm256_storeu_pd(lanes, _mm256_add_pd(s0, s1));
    *sum = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    return i;
}
#endif

void kc_rms_norm(const float *x, const float *weight, int64_t n, float eps, float *out) {
    double ss = 0;
    int64_t i = 0;
#if KC_X86
    if (kc_has_avx512()) { ss = sum_squares512(x, n); i = n; }
#endif
    double acc[8] = {0};
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += (double)x[i + l] * (double)x[i + l];
    for (; i < n; i++) ss += (double)x[i] * (double)x[i];
    for (int l = 0; l < 8; l++) ss += acc[l];
    const float scale = (float)(1.0 / sqrt(ss / (double)n + (double)eps));
    for (i = 0; i < n; i++) out[i] = x[i] * scale * weight[i];
}

void kc_silu_mul(float *gate, const float *up, int64_t n) {
#if KC_X86
    if (kc_has_avx512()) { silu_mul512(gate, up, n); return; }
    if (kc_has_avx2()) {
        const int64_t done = silu_mul256(gate, up, n);
        gate += done; up += done; n -= done;
    }
#endif
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

float kc_max(const float *x, int64_t n) {
#if KC_X86
    if (kc_has_avx512()) return max512(x, n);
#endif
    float m[16];
    for (int l = 0; l < 16; l++) m[l] = -INFINITY;
    int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        for (int l = 0; l < 16; l++) m[l] = x[i + l] > m[l] ? x[i + l] : m[l];
    float r = -INFINITY;
    for (; i < n; i++) r = x[i] > r ? x[i] : r;
    for (int l = 0; l < 16; l++) r = m[l] > r ? m[l] : r;
    return r;
}

void kc_softmax(float *x, int64_t n) {
    if (n <= 0) return;
    const float mx = kc_max(x, n);
    if (mx == -INFINITY) {  // everything masked: define as uniform to avoid NaN
        for (int64_t i = 0; i < n; i++) x[i] = 1.0f / (float)n;
        return;
    }
    double sum = 0;
#if KC_X86
    int64_t i = 0;
    if (kc_has_avx512()) { sum = exp_shifted_sum512(x, x, n, mx); i = n; }
    else if (kc_has_avx2()) i = exp_shifted_sum256(x, x, n, mx, &sum);
#else
    int64_t i = 0;
#endif
    for (; i < n; i++) { const float e = expf(x[i] - mx); x[i] = e; sum += e; }
    const float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
}

double kc_log_sum_exp_shifted(const float *x, int64_t n, float max) {
#if KC_X86
    if (kc_has_avx512()) return log(exp_shifted_sum512(x, NULL, n, max));
#endif
    double sum = 0;
    int64_t i = 0;
#if KC_X86
    if (kc_has_avx2()) i = exp_shifted_sum256(x, NULL, n, max, &sum);
#endif
    for (; i < n; i++) sum += (double)expf(x[i] - max);
    return log(sum);
}

int64_t kc_count_greater(const float *x, int64_t n, float v) {
#if KC_X86
    if (kc_has_avx512()) return count_greater512(x, n, v);
#endif
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) c += x[i] > v;
    return c;
}

// a ranks below b: lower value, or equal value and higher id.
static inline int worse(const float *x, int64_t a, int64_t b) {
    return x[a] < x[b] || (x[a] == x[b] && a > b);
}

static void sift_down(const float *x, int64_t *h, int64_t k, int64_t i) {
    for (;;) {
        const int64_t l = 2 * i + 1, r = l + 1;
        int64_t m = i;
        if (l < k && worse(x, h[l], h[m])) m = l;
        if (r < k && worse(x, h[r], h[m])) m = r;
        if (m == i) return;
        const int64_t t = h[i]; h[i] = h[m]; h[m] = t;
        i = m;
    }
}

#if KC_X86
// Most entries lose to the current k-th best: test 16 at a time against it. Returns the
// index where the scalar scan continues.
KC_AVX512 static int64_t top_k_scan512(const float *x, int64_t n, int64_t k, int64_t *ids, int64_t i) {
    for (; i + 16 <= n; i += 16) {
        __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), _mm512_set1_ps(x[ids[0]]), _CMP_GT_OQ);
        while (m) {
            const int64_t j = i + __builtin_ctz(m);
            m &= m - 1;
            if (x[j] > x[ids[0]]) { ids[0] = j; sift_down(x, ids, k, 0); }
        }
    }
    return i;
}
#endif

int64_t kc_top_k(const float *x, int64_t n, int64_t k, int64_t *ids) {
    if (k > n) k = n;
    if (k <= 0) return 0;
    // Min-heap (worst at the root) of the first k ids, then one scan: ids arrive in
    // increasing order, so a later entry only displaces the root when strictly greater.
    for (int64_t i = 0; i < k; i++) ids[i] = i;
    for (int64_t i = k / 2 - 1; i >= 0; i--) sift_down(x, ids, k, i);
    int64_t i = k;
#if KC_X86
    if (kc_has_avx512()) i = top_k_scan512(x, n, k, ids, i);
#endif
    for (; i < n; i++)
        if (x[i] > x[ids[0]]) { ids[0] = i; sift_down(x, ids, k, 0); }
    // Pop worst-first into the back: the array ends up best first.
    for (int64_t end = k - 1; end > 0; end--) {
        const int64_t t = ids[0]; ids[0] = ids[end]; ids[end] = t;
        sift_down(x, ids, end, 0);
    }
    return k;
}
