// BaseServe's thread pool. One job at a time: the caller publishes (fn, context, count)
// and everyone, the caller included, claims indices from an atomic counter.
//
// A worker must register with the job before touching it, and the caller closes the job
// to registration once every index has been claimed. So the caller only ever waits for
// workers that are actually running a piece of this job: a worker that the OS has not
// scheduled yet (the machine may be busy) cannot delay the call. Idle workers spin
// briefly (the forward pass issues jobs back to back), then sleep on a condition variable.
#include "kc_pool.h"
#include <pthread.h>
#include <sched.h>
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

// Spin iterations before sleeping: some tens of microseconds. Every KC_YIELD_EVERY
// iterations a spinner yields, so that when the machine is oversubscribed a spinning
// thread hands its core to a runnable one (often the pool thread it is waiting for).
#define KC_SPIN 4000
#define KC_YIELD_EVERY 256

static inline void spin_once(int spins) {
    KC_PAUSE();
    if ((spins & (KC_YIELD_EVERY - 1)) == KC_YIELD_EVERY - 1) sched_yield();
}

// state: job id in the high 32 bits, CLOSED flag, registered-and-running workers below.
#define JOB_SHIFT 32
#define CLOSED ((uint64_t)1 << 31)
#define RUNNING_MASK ((uint64_t)0x7fffffff)

struct kc_pool {
    int threads;
    pthread_t *workers;
    pthread_mutex_t mutex;
    pthread_cond_t work_cond, done_cond;
    _Atomic uint64_t state;
    _Atomic int64_t next;
    _Atomic int stop;
    _Atomic int busy;      // a job is in flight: nested or concurrent callers run inline
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

static inline uint32_t job_of(uint64_t s) { return (uint32_t)(s >> JOB_SHIFT); }

static void *worker_main(void *arg) {
    kc_pool *p = (kc_pool *)arg;
    uint32_t seen = 0;
    for (;;) {
        uint64_t s;
        int spins = 0;
        while (job_of(s = atomic_load_explicit(&p->state, memory_order_acquire)) == seen &&
               !atomic_load_explicit(&p->stop, memory_order_relaxed) && spins < KC_SPIN) {
            spin_once(spins++);
        }
        if (job_of(s) == seen) {
            pthread_mutex_lock(&p->mutex);
            while (job_of(s = atomic_load_explicit(&p->state, memory_order_acquire)) == seen &&
                   !atomic_load_explicit(&p->stop, memory_order_relaxed))
                pthread_cond_wait(&p->work_cond, &p->mutex);
            pthread_mutex_unlock(&p->mutex);
        }
        if (atomic_load_explicit(&p->stop, memory_order_acquire)) return NULL;
        seen = job_of(s);
        // Register unless the job is already closed (or replaced by a newer one).
        int joined = 0;
        while (job_of(s) == seen && !(s & CLOSED)) {
            if (atomic_compare_exchange_weak_explicit(&p->state, &s, s + 1, memory_order_acq_rel,
                                                      memory_order_acquire)) { joined = 1; break; }
        }
        if (!joined) continue;
        drain(p);
        const uint64_t before = atomic_fetch_sub_explicit(&p->state, 1, memory_order_acq_rel);
        if ((before & CLOSED) && (before & RUNNING_MASK) == 1) {
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
    for (int i = 0; i < threads - 1; i++) pthread_create(&p->workers[i], NULL, worker_main, p);
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
    // One job at a time: a call from inside a job, or from a second thread while a job
    // runs, is served serially by its caller instead of corrupting the shared job.
    if (p->threads == 1 || count == 1 || atomic_exchange_explicit(&p->busy, 1, memory_order_acquire)) {
        for (int64_t i = 0; i < count; i++) fn(context, i);
        return;
    }
    // No worker is registered with the previous job any more, so these plain writes are safe.
    p->fn = fn; p->context = context; p->count = count;
    atomic_store_explicit(&p->next, 0, memory_order_relaxed);
    const uint32_t job = job_of(atomic_load_explicit(&p->state, memory_order_relaxed)) + 1;
    atomic_store_explicit(&p->state, (uint64_t)job << JOB_SHIFT, memory_order_release);
    // Wake sleepers; the mutex orders this against a worker that is about to sleep.
    pthread_mutex_lock(&p->mutex);
    pthread_cond_broadcast(&p->work_cond);
    pthread_mutex_unlock(&p->mutex);
    drain(p);
    // Every index is claimed: close registration, then wait for the registered workers.
    uint64_t s = atomic_fetch_or_explicit(&p->state, CLOSED, memory_order_acq_rel) | CLOSED;
    int spins = 0;
    while ((s & RUNNING_MASK) != 0 && spins < KC_SPIN) {
        spin_once(spins++);
        s = atomic_load_explicit(&p->state, memory_order_acquire);
    }
    if ((s & RUNNING_MASK) != 0) {
        pthread_mutex_lock(&p->mutex);
        while ((atomic_load_explicit(&p->state, memory_order_acquire) & RUNNING_MASK) != 0)
            pthread_cond_wait(&p->done_cond, &p->mutex);
        pthread_mutex_unlock(&p->mutex);
    }
    atomic_store_explicit(&p->busy, 0, memory_order_release);
}
