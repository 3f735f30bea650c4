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
