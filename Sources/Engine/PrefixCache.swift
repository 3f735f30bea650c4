import Foundation
import Model

/// Prompt prefixes already computed, kept as full KV blocks so that a later
/// prompt starting the same way skips them: a shared system prompt, the context
/// of a multiple-choice question, repeated few-shot examples.
///
/// An entry is one block: the tokens it holds and the entry of the block before
/// it, so a key names the whole prefix up to the block's end exactly (no hash
/// collision can hand back another prompt's keys). The cache holds a reference
/// to each block; sequences using it hold their own. Entries are evicted least
/// recently used first, leaves before their parents, and only when no sequence
/// holds the block, so eviction frees memory at once.
final class PrefixCache: @unchecked Sendable {
    private struct Key: Hashable {
        let parent: Int
        let tokens: ArraySlice<Int>
    }
    private struct Entry {
        let key: Key
        let block: Int
        var lastUse: UInt64
        var children: Int
    }

    private let pool: KVBlockPool
    private let lock = NSLock()
    private var ids: [Key: Int] = [:]
    private var entries: [Int: Entry] = [:]
    private var nextID = 0
    private var clock: UInt64 = 0
    private static let root = -1

    init(pool: KVBlockPool) { self.pool = pool }

    var blockCount: Int { lock.withLock { entries.count } }
    /// Blocks no sequence holds, only the cache: memory eviction can give back.
    var idleBlocks: Int { lock.withLock { entries.values.filter { pool.referenceCount($0.block) == 1 }.count } }

    /// The cached blocks that begin `tokens`, longest run first to last, covering
    /// at most `limit` tokens. The caller takes its own references (`KVCache.adoptPrefix`).
    func lookup(_ tokens: [Int], limit: Int) -> [Int] {
        let size = pool.blockSize
        return lock.withLock {
            clock += 1
            var blocks: [Int] = []
            var parent = Self.root
            var start = 0
            while start + size <= min(limit, tokens.count), let id = ids[Key(parent: parent, tokens: tokens[start..<start + size])] {
                entries[id]!.lastUse = clock
                blocks.append(entries[id]!.block)
                parent = id
                start += size
            }
            return blocks
        }
    }

    /// Remembers the full blocks of `tokens` held in `blocks` (a sequence's cache,
    /// block i holding tokens i·size..<(i+1)·size), up to `count` tokens.
    func insert(_ tokens: [Int], blocks: [Int], count: Int) {
        let size = pool.blockSize
        lock.withLock {
            clock += 1
            var parent = Self.root
            var start = 0
            var index = 0
            while start + size <= min(count, tokens.count), index < blocks.count {
                let key = Key(parent: parent, tokens: tokens[start..<start + size])
                if let id = ids[key] {
                    entries[id]!.lastUse = clock
                    parent = id
                } else {
                    let id = nextID
                    nextID += 1
                    pool.retain(blocks[index])
                    ids[key] = id
                    entries[id] = Entry(key: key, block: blocks[index], lastUse: clock, children: 0)
                    if parent != Self.root { entries[parent]!.children += 1 }
                    parent = id
                }
                start += size
                index += 1
            }
        }
    }

    /// Drops least recently used entries that only the cache holds until the
    /// pool has `needed` free blocks or nothing more can go. Returns the pool's free blocks.
    @discardableResult
    func evict(untilFree needed: Int) -> Int {
        lock.withLock {
            while pool.freeBlocks < needed {
                let candidate = entries
                    .filter { $0.value.children == 0 && pool.referenceCount($0.value.block) == 1 }
                    .min { $0.value.lastUse < $1.value.lastUse }
                guard let (id, entry) = candidate else { break }
                remove(id, entry)
            }
            return pool.freeBlocks
        }
    }

    /// Forgets every entry (sequences keep the blocks they hold themselves).
    func removeAll() {
        lock.withLock {
            var removed = true
            while removed {
                removed = false
                for (id, entry) in entries where entry.children == 0 {
                    remove(id, entry)
                    removed = true
                }
            }
        }
    }

    private func remove(_ id: Int, _ entry: Entry) {
        entries[id] = nil
        ids[entry.key] = nil
        if entry.key.parent != Self.root { entries[entry.key.parent]?.children -= 1 }
        pool.release(entry.block)
    }
}
