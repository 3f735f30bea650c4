#include "kc_memory.h"
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
