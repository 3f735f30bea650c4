// Element-wise and reduction kernels of the forward pass and of logit scoring.
// Reductions that feed log-probabilities accumulate in double.
#include "kc_vec.h"
#include <math.h>

void kc_rms_norm(const float *x, const float *weight, int64_t n, float eps, float *out) {
    double acc[8] = {0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += (double)x[i + l] * (double)x[i + l];
    double ss = 0;
    for (; i < n; i++) ss += (double)x[i] * (double)x[i];
    for (int l = 0; l < 8; l++) ss += acc[l];
    const float scale = (float)(1.0 / sqrt(ss / (double)n + (double)eps));
    for (i = 0; i < n; i++) out[i] = x[i] * scale * weight[i];
}

void kc_silu_mul(float *gate, const float *up, int64_t n) {
    for (int64_t i = 0; i < n; i++) {
        const float g = gate[i];
        gate[i] = g / (1.0f + expf(-g)) * up[i];
    }
}

float kc_max(const float *x, int64_t n) {
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
    for (int64_t i = 0; i < n; i++) { const float e = expf(x[i] - mx); x[i] = e; sum += e; }
    const float inv = (float)(1.0 / sum);
    for (int64_t i = 0; i < n; i++) x[i] *= inv;
}

double kc_log_sum_exp_shifted(const float *x, int64_t n, float max) {
    double sum = 0;
    for (int64_t i = 0; i < n; i++) sum += (double)expf(x[i] - max);
    return log(sum);
}

int64_t kc_count_greater(const float *x, int64_t n, float v) {
    int64_t c = 0;
    for (int64_t i = 0; i < n; i++) c += x[i] > v;
    return c;
}
