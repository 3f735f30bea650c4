import KernelsC

/// Makes every allocation of 1 MiB or more its own mapping, given back to the
/// system when freed. Process-wide and idempotent: every command calls it
/// before it loads a model.
///
/// The engine's big short-lived buffers (a chunk's logits, a long prompt's
/// activations, a large response) would otherwise raise glibc's mmap threshold
/// as they are freed, so that later ones come from the heap and stay resident:
/// a long prompt's peak memory then grew by tens of MiB beyond the KV cache.
public func mapLargeAllocationsSeparately() {
    kc_map_large_allocations(1 << 20)
}

/// Lets malloc keep at most one arena per core (at least two) instead of
/// glibc's eight per core. Process-wide; call it before the server starts its
/// threads.
///
/// Each arena keeps the memory freed into it for its own later use, and the
/// server's many threads (event loops, Swift's task pool, the scheduler) each
/// land in an arena of their own: after a long prompt some 40 MiB more stayed
/// resident than with a single arena, and by a different amount each run.
public func limitAllocatorArenas(cores: Int) {
    kc_limit_malloc_arenas(Int32(clamping: max(2, cores)))
}
