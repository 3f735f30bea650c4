#include "kc_memory.h"
#include "kc_internal.h"
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

void kc_map_large_allocations(long bytes) {
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, (int)bytes);
#else
    (void)bytes;
#endif
}

void kc_limit_malloc_arenas(int arenas) {
#if defined(__GLIBC__)
    mallopt(M_ARENA_MAX, arenas);
#else
    (void)arenas;
#endif
}

// Per-thread scratch buffers, grown on demand and kept for the thread's lifetime.
float *kc_scratch(int slot, int64_t n) {
    static _Thread_local float *buf[KC_SCRATCH_SLOTS];
    static _Thread_local int64_t cap[KC_SCRATCH_SLOTS];
    if (cap[slot] < n) {
        free(buf[slot]);
        cap[slot] = (n + 15) & ~(int64_t)15;
        buf[slot] = aligned_alloc(64, (size_t)cap[slot] * sizeof(float));
    }
    return buf[slot];
}
