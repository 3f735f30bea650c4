#pragma once
#include <stdint.h>

void kc_rms_norm(const float *x, const float *weight, int64_t n, float eps, float *out);
void kc_silu_mul(float *gate, const float *up, int64_t n);
void kc_softmax(float *x, int64_t n);
// Maximum of x (NaN-free input assumed); -inf when n == 0.
float kc_max(const float *x, int64_t n);
// log(sum(exp(x[i] - max))) accumulated in double.
double kc_log_sum_exp_shifted(const float *x, int64_t n, float max);
// Number of entries strictly greater than v.
int64_t kc_count_greater(const float *x, int64_t n, float v);
// The k best indices (higher value; equal values: lower index first), best first, into
// ids[0..<min(k, n)); returns that count.
int64_t kc_top_k(const float *x, int64_t n, int64_t k, int64_t *ids);
