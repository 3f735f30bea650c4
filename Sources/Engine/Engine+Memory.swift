import Model

extension Engine {
    /// Takes the KV memory for all of `cache`'s capacity, first adopting the
    /// longest cached prefix of `prompt` up to `limit` tokens (with
    /// `partialBlocks`, down to the token, else in whole blocks), and evicting
    /// unused cached prefixes when the pool runs short. Returns false, holding
    /// nothing, when the memory cannot be had now. Called on the scheduler's thread.
    func reserve(_ cache: KVCache, prompt: [Int], reusing limit: Int, partialBlocks: Bool = false) -> Bool {
        if limit > 0, let prefixes = prefixCache {
            let (blocks, count) = prefixes.lookup(prompt, limit: limit, tails: partialBlocks)
            cache.adoptPrefix(blocks, count: count)
        }
        let needed = cache.blocksNeeded(toHold: cache.capacity)
        if cache.pool.freeBlocks < needed { prefixCache?.evict(untilFree: needed) }
        guard cache.reserve(positions: cache.capacity) else {
            cache.reset()
            return false
        }
        return true
    }
}
