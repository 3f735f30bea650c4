#pragma once

// Makes malloc map every buffer of at least `bytes` on its own and unmap it when freed,
// instead of raising the threshold as such buffers come and go (glibc's default).
void kc_map_large_allocations(long bytes);

// Caps the number of malloc arenas (glibc's default is eight per core).
void kc_limit_malloc_arenas(int arenas);
