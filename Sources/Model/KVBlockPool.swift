import Foundation

/// The memory of every KV cache of one model, in fixed-size blocks.
///
/// A block holds `blockSize` consecutive positions of keys and values for every
/// layer. Sequences own lists of blocks (`KVCache`), so memory is taken as a
/// sequence grows and given back the moment it ends, and one block can belong to
/// several sequences at once: a prompt prefix computed once is shared by
/// reference (the prefix cache holds a reference too). Blocks are counted; a
/// block returns to the free list when its last holder releases it.
///
/// Thread-safe; allocation never exceeds `capacity` blocks, and block memory is
/// allocated on first use and reused afterwards, so the pool's footprint is the
/// most blocks ever in use at once, never more than the configured budget.
public final class KVBlockPool: @unchecked Sendable {
    public let blockSize: Int
    public let layerCount: Int
    public let kvDimension: Int
    /// The most blocks the pool hands out.
    public let capacity: Int
    /// Floats in one block: keys and values of every layer.
    let blockFloats: Int

    private let lock = NSLock()
    private var storage: [UnsafeMutablePointer<Float>] = []
    private var references: [Int] = []
    private var free: [Int] = []

    public init(config: LlamaConfig, blockSize: Int = KVBlockPool.defaultBlockSize, capacity: Int) {
        precondition(blockSize > 0 && capacity > 0)
        self.blockSize = blockSize
        self.capacity = capacity
        layerCount = config.layerCount
        kvDimension = config.kvDimension
        blockFloats = 2 * layerCount * blockSize * kvDimension
    }

    /// Positions per block: the granularity of prefix sharing. 32 keeps the
    /// per-block attention products large enough to run near full speed.
    public static let defaultBlockSize = 32

    /// The blocks a budget of `bytes` buys (at least one).
    public static func blocks(forBytes bytes: Int, config: LlamaConfig, blockSize: Int = defaultBlockSize) -> Int {
        max(1, bytes / (2 * config.layerCount * blockSize * config.kvDimension * MemoryLayout<Float>.size))
    }

    deinit {
        for block in storage { block.deallocate() }
    }

    public var blockBytes: Int { blockFloats * MemoryLayout<Float>.size }

    /// Blocks held by at least one sequence or by the prefix cache.
    public var blocksInUse: Int { lock.withLock { storage.count - free.count } }
    /// Blocks that can be handed out now without evicting anything.
    public var freeBlocks: Int { lock.withLock { capacity - storage.count + free.count } }

    /// A block with one reference, or nil when all `capacity` blocks are in use.
    public func allocate() -> Int? {
        lock.withLock {
            if let block = free.popLast() {
                references[block] = 1
                return block
            }
            guard storage.count < capacity else { return nil }
            storage.append(.allocate(capacity: blockFloats))
            references.append(1)
            return storage.count - 1
        }
    }

    public func retain(_ block: Int) {
        lock.withLock {
            precondition(references[block] > 0, "retaining a free KV block")
            references[block] += 1
        }
    }

    public func release(_ block: Int) {
        lock.withLock {
            precondition(references[block] > 0, "releasing a free KV block")
            references[block] -= 1
            if references[block] == 0 { free.append(block) }
        }
    }

    /// How many holders a block has (1: only one sequence or only the prefix cache).
    public func referenceCount(_ block: Int) -> Int { lock.withLock { references[block] } }

    /// The memory of each of `blocks`, looked up under one lock. A block's
    /// memory never moves, so a forward pass resolves its caches' blocks once
    /// and reads and writes them without the lock. Blocks at `writable` indices
    /// must have a single holder (nobody else reads what is written there).
    func resolve(_ blocks: [Int], writable: Range<Int>) -> ResolvedBlocks {
        let bases = lock.withLock {
            for i in writable where i < blocks.count {
                precondition(references[blocks[i]] == 1, "writing into a shared KV block")
            }
            return blocks.map { storage[$0] }
        }
        return ResolvedBlocks(bases: bases, blockSize: blockSize, kvDimension: kvDimension)
    }

    /// Copies a whole block (every layer) into another.
    public func copy(_ source: Int, to destination: Int) {
        let (from, to) = lock.withLock { (storage[source], storage[destination]) }
        to.update(from: from, count: blockFloats)
    }
}

/// One sequence's KV blocks as addresses, resolved once per forward pass
/// (`KVBlockPool.resolve`). A block holds, layer after layer, the keys then the
/// values of its `blockSize` positions, each `kvDimension` floats.
struct ResolvedBlocks {
    let bases: [UnsafeMutablePointer<Float>]
    let blockSize: Int
    let kvDimension: Int

    /// Keys of `layer` in the sequence's block `index`: `blockSize × kvDimension` floats.
    func keys(_ index: Int, layer: Int) -> UnsafeMutablePointer<Float> {
        bases[index] + 2 * layer * blockSize * kvDimension
    }

    /// Values of `layer` in the sequence's block `index`: `blockSize × kvDimension` floats.
    func values(_ index: Int, layer: Int) -> UnsafeMutablePointer<Float> {
        keys(index, layer: layer) + blockSize * kvDimension
    }
}
