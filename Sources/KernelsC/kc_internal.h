// Private helpers shared by the C kernels: block layouts and exact fp16 decoding.
#pragma once
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define KC_X86 1
#include <immintrin.h>
#endif

// Exact IEEE half -> float (normals, subnormals, inf, NaN), for the portable paths.
static inline float kc_f16(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) { bits = sign; }
        else {  // subnormal: normalise
            int e = -1;
            do { man <<= 1; e++; } while (!(man & 0x400));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    }
    float f; memcpy(&f, &bits, 4); return f;
}

static inline uint16_t kc_rd16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

static inline float kc_bf16(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16; float f; memcpy(&f, &bits, 4); return f;
}

// ggml block layouts (packed, little-endian).
typedef struct __attribute__((packed)) { uint16_t d; uint8_t qs[16]; } kc_q4_0;
typedef struct __attribute__((packed)) { uint16_t d, m; uint8_t qs[16]; } kc_q4_1;
typedef struct __attribute__((packed)) { uint16_t d; uint8_t qh[4]; uint8_t qs[16]; } kc_q5_0;
typedef struct __attribute__((packed)) { uint16_t d, m; uint8_t qh[4]; uint8_t qs[16]; } kc_q5_1;
typedef struct __attribute__((packed)) { uint16_t d; int8_t qs[32]; } kc_q8_0;
typedef struct __attribute__((packed)) { uint16_t d, dmin; uint8_t scales[12]; uint8_t qs[128]; } kc_q4_k;
typedef struct __attribute__((packed)) { uint16_t d, dmin; uint8_t scales[12]; uint8_t qh[32]; uint8_t qs[128]; } kc_q5_k;
typedef struct __attribute__((packed)) { uint8_t ql[128]; uint8_t qh[64]; int8_t scales[16]; uint16_t d; } kc_q6_k;

_Static_assert(sizeof(kc_q4_0) == 18, "q4_0"); _Static_assert(sizeof(kc_q4_1) == 20, "q4_1");
_Static_assert(sizeof(kc_q5_0) == 22, "q5_0"); _Static_assert(sizeof(kc_q5_1) == 24, "q5_1");
_Static_assert(sizeof(kc_q8_0) == 34, "q8_0"); _Static_assert(sizeof(kc_q4_k) == 144, "q4_k");
_Static_assert(sizeof(kc_q5_k) == 176, "q5_k"); _Static_assert(sizeof(kc_q6_k) == 210, "q6_k");

int kc_block_size(int type);
int kc_block_bytes(int type);

// CPU feature checks, cached after the first call.
int kc_has_avx2(void);
int kc_has_avx512(void);
int kc_has_neon(void);

// Per-thread scratch (slots 0-6), grown on demand, 64-byte aligned; gemm.c uses 0-1,
// sgemm.c 2-3, dot.c 4-6 (a dequantized row, interleaved tokens, block sums), so one
// kind of call never clobbers the buffers of another.
#define KC_SCRATCH_SLOTS 7
float *kc_scratch(int slot, int64_t n);
// Makes OpenBLAS single-threaded (once per process).
void kc_blas_init(void);
