// BaseServe's thread pool. One job at a time: the caller publishes (fn, context, count),
// bumps a generation counter and everyone, the caller included, claims indices from
// an atomic counter. Waiting is a short spin (the forward pass issues jobs back to back)
// followed by a condition-variable sleep, so idle workers cost no CPU.
#include "kc_pool.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define KC_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define KC_PAUSE() __asm__ __volatile__("yield")
#else
#define KC_PAUSE() ((void)0)
#endif

// Spin iterations before sleeping: a few tens of microseconds.
#define KC_SPIN 4000

struct kc_pool {
    int threads;
    pthread_t *workers;
    pthread_mutex_t mutex;
    pthread_cond_t work_cond, done_cond;
    _Atomic uint64_t generation;
    _Atomic int64_t next;
    _Atomic int pending;   // workers that have not yet finished the current job
    _Atomic int stop;
    kc_task_fn fn;
    void *context;
    int64_t count;
};

static void drain(kc_pool *p) {
    const int64_t count = p->count;
    for (;;) {
        int64_t i = atomic_fetch_add_explicit(&p->next, 1, memory_order_relaxed);
        if (i >= count) break;
        p->fn(p->context, i);
    }
}

static void *worker_main(void *arg) {
    kc_pool *p = (kc_pool *)arg;
    uint64_t seen = 0;
    for (;;) {
        uint64_t g;
        int spins = 0;
        while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen &&
               !atomic_load_explicit(&p->stop, memory_order_acquire) && spins < KC_SPIN) {
            KC_PAUSE(); spins++;
        }
        if (g == seen) {
            pthread_mutex_lock(&p->mutex);
            while ((g = atomic_load_explicit(&p->generation, memory_order_acquire)) == seen &&
                   !atomic_load_explicit(&p->stop, memory_order_acquire))
                pthread_cond_wait(&p->work_cond, &p->mutex);
            pthread_mutex_unlock(&p->mutex);
        }
        if (atomic_load_explicit(&p->stop, memory_order_acquire)) return NULL;
        seen = g;
        drain(p);
        if (atomic_fetch_sub_explicit(&p->pending, 1, memory_order_acq_rel) == 1) {
            pthread_mutex_lock(&p->mutex);
            pthread_cond_signal(&p->done_cond);
            pthread_mutex_unlock(&p->mutex);
        }
    }
}

kc_pool *kc_pool_create(int threads) {
    if (threads < 1) threads = 1;
    kc_pool *p = calloc(1, sizeof *p);
    p->threads = threads;
    pthread_mutex_init(&p->mutex, NULL);
    pthread_cond_init(&p->work_cond, NULL);
    pthread_cond_init(&p->done_cond, NULL);
    p->workers = calloc((size_t)threads, sizeof(pthread_t));
    for (int i = 0; i < threads - 1; i++) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 8u << 20);  // kernels keep scratch tiles on the heap, not the stack
        pthread_create(&p->workers[i], &attr, worker_main, p);
        pthread_attr_destroy(&attr);
    }
    return p;
}

void kc_pool_destroy(kc_pool *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mutex);
    atomic_store(&p->stop, 1);
    pthread_cond_broadcast(&p->work_cond);
    pthread_mutex_unlock(&p->mutex);
    for (int i = 0; i < p->threads - 1; i++) pthread_join(p->workers[i], NULL);
    pthread_cond_destroy(&p->work_cond);
    pthread_cond_destroy(&p->done_cond);
    pthread_mutex_destroy(&p->mutex);
    free(p->workers);
    free(p);
}

int kc_pool_threads(const kc_pool *p) { return p->threads; }

void kc_pool_run(kc_pool *p, int64_t count, kc_task_fn fn, void *context) {
    if (count <= 0) return;
    if (p->threads == 1 || count == 1) {
        for (int64_t i = 0; i < count; i++) fn(context, i);
        return;
    }
    p->fn = fn; p->context = context; p->count = count;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    atomic_store_explicit(&p->pending, p->threads - 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->generation, 1, memory_order_release);
    // Wake sleepers; the mutex orders this against a worker that is about to sleep.
    pthread_mutex_lock(&p->mutex);
    pthread_cond_broadcast(&p->work_cond);
    pthread_mutex_unlock(&p->mutex);
    drain(p);
    int spins = 0;
    while (atomic_load_explicit(&p->pending, memory_order_acquire) != 0 && spins < KC_SPIN) {
        KC_PAUSE(); spins++;
    }
    if (atomic_load_explicit(&p->pending, memory_order_acquire) != 0) {
        pthread_mutex_lock(&p->mutex);
        while (atomic_load_explicit(&p->pending, memory_order_acquire) != 0)
            pthread_cond_wait(&p->done_cond, &p->mutex);
        pthread_mutex_unlock(&p->mutex);
    }
}
