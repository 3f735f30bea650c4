#pragma once
#include <stdint.h>

// A persistent pool of worker threads. Work is handed out index by index through
// an atomic counter; idle workers spin briefly, then sleep on a condition variable.
typedef struct kc_pool kc_pool;
typedef void (*kc_task_fn)(void *context, int64_t index);

kc_pool *kc_pool_create(int threads);
void kc_pool_destroy(kc_pool *pool);
int kc_pool_threads(const kc_pool *pool);
// Runs fn(context, i) for i in 0..<count; the caller takes part; returns when all are done.
void kc_pool_run(kc_pool *pool, int64_t count, kc_task_fn fn, void *context);
