/// The keys and values of one sequence: a list of blocks in the model's
/// `KVBlockPool`, position `p` in block `p / blockSize`.
///
/// The cache grows block by block as positions are added, up to the capacity it
/// was given; `adoptPrefix` lets it start with blocks another sequence computed
/// (shared, never written: a sequence only writes positions after its prefix,
/// and a shared block it would write into is copied first).
/// Its blocks go back to the pool when it is released.
public final class KVCache: @unchecked Sendable {
    public let pool: KVBlockPool
    /// The most positions this sequence may hold.
    public let capacity: Int
    public private(set) var blocks: [Int] = []
    /// Positions filled so far; the next token evaluated sits at this position.
    public internal(set) var count: Int = 0

    init(pool: KVBlockPool, capacity: Int) {
        precondition(capacity > 0)
        self.pool = pool
        self.capacity = capacity
    }

    deinit {
        for block in blocks { pool.release(block) }
    }

    public var blockSize: Int { pool.blockSize }
    var kvDimension: Int { pool.kvDimension }

    /// Bytes of the blocks this sequence holds (shared ones included).
    public var byteCount: Int { blocks.count * pool.blockBytes }

    /// Blocks still to take from the pool to hold `positions` positions in all
    /// (one more when the block the next position goes into is shared: it is
    /// copied first).
    public func blocksNeeded(toHold positions: Int) -> Int {
        max(0, (positions + blockSize - 1) / blockSize - blocks.count) + (positions > count && writesIntoSharedBlock ? 1 : 0)
    }

    /// Starts an empty cache with another sequence's prefix: `blocks` hold its
    /// first `count` positions (all of them full blocks when `count` is nil).
    /// The cache takes a reference to each; a last block only partly used stays
    /// shared until `reserve` gives this cache its own copy to write into.
    public func adoptPrefix(_ blocks: [Int], count: Int? = nil) {
        let count = count ?? blocks.count * blockSize
        precondition(self.count == 0 && self.blocks.isEmpty, "a prefix can only start an empty cache")
        precondition(blocks.count == (count + blockSize - 1) / blockSize, "the blocks must hold exactly the prefix")
        precondition(count <= capacity)
        for block in blocks { pool.retain(block) }
        self.blocks = blocks
        self.count = count
    }

    /// Makes room for `positions` positions in all, taking blocks from the pool
    /// (and copying a shared block that the next position would write into).
    /// Returns false (taking nothing) when the pool has too few free blocks.
    public func reserve(positions: Int) -> Bool {
        precondition(positions <= capacity, "KV cache overflow")
        let needed = blocksNeeded(toHold: positions)
        var taken: [Int] = []
        for _ in 0..<needed {
            guard let block = pool.allocate() else {
                for b in taken { pool.release(b) }
                return false
            }
            taken.append(block)
        }
        if positions > count && writesIntoSharedBlock, let own = taken.popLast() { replaceSharedBlock(with: own) }
        blocks += taken
        return true
    }

    /// Whether the next position falls inside a block another holder shares.
    private var writesIntoSharedBlock: Bool {
        count % blockSize != 0 && count / blockSize < blocks.count && pool.referenceCount(blocks[count / blockSize]) > 1
    }

    /// Puts a copy of the shared block the next position falls in into `own`
    /// and holds that instead.
    private func replaceSharedBlock(with own: Int) {
        let shared = count / blockSize
        pool.copy(blocks[shared], to: own)
        pool.release(blocks[shared])
        blocks[shared] = own
    }

    /// Gives every block back and starts empty.
    public func reset() {
        for block in blocks { pool.release(block) }
        blocks = []
        count = 0
    }

    /// Forgets positions from `newCount` on, so a sequence can be re-evaluated
    /// from there. A block it will write into again is made its own first.
    public func truncate(to newCount: Int) {
        precondition(newCount >= 0 && newCount <= count)
        count = newCount
        if writesIntoSharedBlock, let own = pool.allocate() { replaceSharedBlock(with: own) }
    }

    /// The blocks' addresses for one forward pass that appends `rows` positions
    /// (the blocks those go into must be this sequence's own).
    func resolveBlocks(appending rows: Int) -> ResolvedBlocks {
        pool.resolve(blocks, writable: count / blockSize..<(count + rows + blockSize - 1) / blockSize)
    }

    /// Writes `rows` consecutive positions' keys and values of `layer`, starting
    /// at position `start`, from `rows × kvDimension` matrices, into `blocks`
    /// (this cache's, from `resolveBlocks`).
    func write(layer: Int, start: Int, rows: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>,
               into blocks: ResolvedBlocks) {
        var row = 0
        while row < rows {
            let position = start + row
            let block = position / blockSize
            let offset = position % blockSize
            let run = min(rows - row, blockSize - offset)
            (blocks.keys(block, layer: layer) + offset * kvDimension).update(from: keys + row * kvDimension, count: run * kvDimension)
            (blocks.values(block, layer: layer) + offset * kvDimension).update(from: values + row * kvDimension, count: run * kvDimension)
            row += run
        }
    }
}
