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
///
/// For scoring, a context's last, partly filled block is kept too, as a copy
/// (the sequence goes on writing its own): a later context may use as many of
/// its positions as it shares tokens with. Without it, the context of a
/// multiple-choice question asked once per option had up to 31 tokens
/// recomputed by every option. Generation uses whole blocks only: a seeded
/// sample of a short prompt then repeats exactly, since a prompt shorter than
/// a block is always computed the same way.
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
    /// Partly filled blocks, by the entry they follow.
    private var tails: [Int: Set<Int>] = [:]
    private var nextID = 0
    private var clock: UInt64 = 0
    private static let root = -1

    init(pool: KVBlockPool) { self.pool = pool }

    var blockCount: Int { lock.withLock { entries.count } }
    /// Blocks no sequence holds, only the cache: memory eviction can give back.
    var idleBlocks: Int { lock.withLock { entries.values.filter { pool.referenceCount($0.block) == 1 }.count } }

    /// The cached blocks that begin `tokens`, first to last, and how many of its
    /// positions they hold, at most `limit`. With `tails`, the last block may be
    /// held only in part (a context's tail). The caller takes its own references
    /// (`KVCache.adoptPrefix`).
    func lookup(_ tokens: [Int], limit: Int, tails useTails: Bool = false) -> (blocks: [Int], count: Int) {
        let size = pool.blockSize
        let limit = min(limit, tokens.count)
        return lock.withLock {
            clock += 1
            var blocks: [Int] = []
            var parent = Self.root
            var start = 0
            while start + size <= limit, let id = ids[Key(parent: parent, tokens: tokens[start..<start + size])] {
                entries[id]!.lastUse = clock
                blocks.append(entries[id]!.block)
                parent = id
                start += size
            }
            // The tail that shares the most tokens with what follows.
            var best: (id: Int, shared: Int)?
            for id in useTails ? tails[parent] ?? [] : [] {
                let held = entries[id]!.key.tokens
                let shared = zip(held, tokens[start..<limit]).prefix { $0 == $1 }.count
                if shared > (best?.shared ?? 0) { best = (id, shared) }
            }
            guard let best else { return (blocks, start) }
            entries[best.id]!.lastUse = clock
            return (blocks + [entries[best.id]!.block], start + best.shared)
        }
    }

    /// Remembers the blocks of `tokens` held in `blocks` (a sequence's cache,
    /// block i holding tokens i·size..<(i+1)·size), up to `count` tokens: the
    /// full blocks by reference and, with `tail`, a partly filled last one as a copy.
    func insert(_ tokens: [Int], blocks: [Int], count: Int, tail keepsTail: Bool = false) {
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
            let tail = min(count, tokens.count)
            if keepsTail, start < tail, index < blocks.count { insertTail(tokens[start..<tail], of: blocks[index], after: parent) }
        }
    }

    /// Keeps a copy of a partly filled block unless a kept tail already starts
    /// with the same tokens. Skipped when the pool has no block to spare. Call with `lock` held.
    private func insertTail(_ tokens: ArraySlice<Int>, of block: Int, after parent: Int) {
        for id in tails[parent] ?? [] where entries[id]!.key.tokens.starts(with: tokens) {
            entries[id]!.lastUse = clock
            return
        }
        guard let copy = pool.allocate() else { return }
        pool.copy(block, to: copy)
        let id = nextID
        nextID += 1
        let key = Key(parent: parent, tokens: tokens)
        ids[key] = id
        entries[id] = Entry(key: key, block: copy, lastUse: clock, children: 0)
        tails[parent, default: []].insert(id)
        if parent != Self.root { entries[parent]!.children += 1 }
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
        tails[entry.key.parent]?.remove(id)
        if tails[entry.key.parent]?.isEmpty == true { tails[entry.key.parent] = nil }
        if entry.key.parent != Self.root { entries[entry.key.parent]?.children -= 1 }
        pool.release(entry.block)
    }
}
