// The machine's fp32 multiply-add peak, measured: independent AVX-512 (or AVX2) FMA
// chains on every thread, no memory traffic. Prints GFLOP/s for 1 thread and for
// each thread count up to the argument (default 2). The scoring roofline in the
// README compares the engine's prefill against this figure.
//   cc -O2 -march=native -pthread bench/fp32-peak.c -o /tmp/fp32-peak && /tmp/fp32-peak 2
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define ITERATIONS 200000000L
#define CHAINS 12 // independent accumulators: more than FMA latency x ports

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void *spin(void *out) {
#ifdef __AVX512F__
    typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define SUM(v) _mm512_reduce_add_ps(v)
#else
    typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
    float lanes[8];
#define SUM(v) (_mm256_storeu_ps(lanes, v), lanes[0])
#endif
    // Twelve named accumulators, so the compiler keeps every chain in a register.
    const vec a = SET1(0.999999f), b = SET1(1e-7f);
    vec c0 = SET1(0), c1 = SET1(1), c2 = SET1(2), c3 = SET1(3), c4 = SET1(4), c5 = SET1(5);
    vec c6 = SET1(6), c7 = SET1(7), c8 = SET1(8), c9 = SET1(9), c10 = SET1(10), c11 = SET1(11);
    for (long n = 0; n < ITERATIONS / LANES; n++) {
        c0 = FMA(c0, a, b); c1 = FMA(c1, a, b); c2 = FMA(c2, a, b); c3 = FMA(c3, a, b);
        c4 = FMA(c4, a, b); c5 = FMA(c5, a, b); c6 = FMA(c6, a, b); c7 = FMA(c7, a, b);
        c8 = FMA(c8, a, b); c9 = FMA(c9, a, b); c10 = FMA(c10, a, b); c11 = FMA(c11, a, b);
    }
    const float s = SUM(c0) + SUM(c1) + SUM(c2) + SUM(c3) + SUM(c4) + SUM(c5) + SUM(c6) + SUM(c7) +
                    SUM(c8) + SUM(c9) + SUM(c10) + SUM(c11);
    *(float *)out = s;
    return NULL;
}

int main(int argc, char **argv) {
    const int most = argc > 1 ? atoi(argv[1]) : 2;
    for (int threads = 1; threads <= most; threads++) {
        pthread_t t[threads];
        float sink[threads];
        const double start = now();
        for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, spin, &sink[i]);
        for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
        const double seconds = now() - start;
        // Each FMA on one lane is 2 flops; every thread does ITERATIONS x CHAINS lane-FMAs.
        printf("threads %d: %.1f GFLOP/s fp32 peak (%s)\n", threads,
               2.0 * ITERATIONS * CHAINS * threads / seconds / 1e9, sink[0] > 0 ? "AVX" : "?");
    }
    return 0;
}
