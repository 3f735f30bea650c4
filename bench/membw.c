// Memory bandwidth, STREAM-style: the triad a[i] = b[i] + s*c[i] over arrays far
// larger than the last-level cache, on 1 and 2 threads (or those given), and a pure
// read (the sum of one array). Decode only reads weights, once per token, so its speed
// is bounded by the read figure; the engine's decode is reported as bytes of weights
// per second against it.
//
//   cc -O3 -march=native -pthread bench/membw.c -o /tmp/membw && /tmp/membw [THREADS...]
//
// (-O3 -march=native: vectorised loops, or one core's arithmetic, not memory, is measured.)
//
// Counts 12 bytes per element (two reads, one write), as STREAM does; the cache's
// write-allocate read is real traffic too but is not counted, so this is what a
// streaming kernel can expect to see. Prints the best of 7 runs.
// Prints `read` last on each line so scripts can take the final column.
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define N (64L * 1024 * 1024)  // 256 MiB per array, 768 MiB in all
#define RUNS 7

static float *a, *b, *c;

typedef struct { int64_t lo, hi; } span;

static void *triad(void *arg) {
    const span *s = arg;
    const float k = 3.0f;
    for (int64_t i = s->lo; i < s->hi; i++) a[i] = b[i] + k * c[i];
    return NULL;
}

static double sums[64];
static void *reduce(void *arg) {  // 32 partial sums (four vectors), so the loop runs at load speed
    const span *s = arg;
    float p[32] = {0};
    for (int64_t i = s->lo; i + 32 <= s->hi; i += 32)
        for (int l = 0; l < 32; l++) p[l] += b[i + l];
    double total = 0;
    for (int l = 0; l < 32; l++) total += p[l];
    sums[(s->lo * 64) / N] = total;
    return NULL;
}

static void *fill(void *arg) {  // first touch on the thread that will stream the span
    const span *s = arg;
    for (int64_t i = s->lo; i < s->hi; i++) { a[i] = 0; b[i] = 1; c[i] = 2; }
    return NULL;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static void run(int threads, void *(*body)(void *)) {
    pthread_t tid[64];
    span spans[64];
    for (int t = 0; t < threads; t++) {
        spans[t].lo = N * t / threads;
        spans[t].hi = N * (t + 1) / threads;
        pthread_create(&tid[t], NULL, body, &spans[t]);
    }
    for (int t = 0; t < threads; t++) pthread_join(tid[t], NULL);
}

int main(int argc, char **argv) {
    a = aligned_alloc(64, N * sizeof(float));
    b = aligned_alloc(64, N * sizeof(float));
    c = aligned_alloc(64, N * sizeof(float));
    if (!a || !b || !c) { fprintf(stderr, "out of memory\n"); return 1; }
    int counts[64], n = 0;
    for (int i = 1; i < argc && n < 64; i++) counts[n++] = atoi(argv[i]);
    if (n == 0) { counts[0] = 1; counts[1] = 2; n = 2; }
    printf("threads  triad GB/s   read GB/s (best of %d, %ld MiB arrays)\n", RUNS, N * sizeof(float) >> 20);
    for (int i = 0; i < n; i++) {
        const int threads = counts[i] < 1 ? 1 : counts[i] > 64 ? 64 : counts[i];
        run(threads, fill);
        double best = 1e30, best_read = 1e30;
        for (int r = 0; r < RUNS; r++) {
            double t0 = now();
            run(threads, triad);
            double dt = now() - t0;
            if (dt < best) best = dt;
            t0 = now();
            run(threads, reduce);
            dt = now() - t0;
            if (dt < best_read) best_read = dt;
        }
        printf("%7d  %10.1f  %10.1f\n", threads, 3.0 * sizeof(float) * N / best * 1e-9,
               (double)sizeof(float) * N / best_read * 1e-9);
    }
    // Read the result so the loops cannot be dropped.
    return a[N / 2] == 7.0f && sums[0] > 0 ? 0 : 2;
}
